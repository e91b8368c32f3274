/// One documented configuration key: its dotted name, type, default and meaning.
///
/// The table in `ConfigKey.all` is the single source of truth for what the YAML file may contain,
/// which environment variables override it, and what `check-config` prints.
public struct ConfigKey: Sendable {
    public enum Kind: Sendable, Equatable {
        case string
        case integer(min: Int, max: Int)
        case number(min: Double, max: Double)
        case boolean
        case choice([String])
    }

    /// Dotted name as written in YAML, e.g. `delivery.concurrency`.
    public let name: String
    public let kind: Kind
    /// Default as text; nil means "unset" (optional) unless `required` is true.
    public let defaultValue: String?
    public let required: Bool
    public let doc: String

    /// `DWT_RELAY_<SECTION>_<KEY>` in upper case.
    public var environmentName: String {
        "DWT_RELAY_" + name.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    init(_ name: String, _ kind: Kind, default defaultValue: String?, required: Bool = false, _ doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required
        self.doc = doc
    }

    public static let all: [ConfigKey] = [
        ConfigKey(
            "api.base_url", .string, default: "https://waste-tracking.integration.api.defra.gov.uk",
            "Base URL of the DWT Receipt API (the test environment by default)."),
        ConfigKey(
            "api.token_url", .string,
            default: "https://waste-movement-external-api-8ec5c.auth.eu-west-2.amazoncognito.com/oauth2/token",
            "OAuth2 client-credentials token endpoint."),
        ConfigKey("api.client_id", .string, default: nil, "OAuth2 client id issued by Defra (required to deliver)."),
        ConfigKey(
            "api.client_secret_file", .string, default: "/etc/dwt-relay/client-secret",
            "File holding the client secret (0600/0640, never world-readable). The systemd credential "
                + "$CREDENTIALS_DIRECTORY/client-secret wins when present. The secret itself is never in this file."),
        ConfigKey(
            "api.timeout_seconds", .number(min: 1, max: 600), default: "60",
            "Whole-request timeout; a POST that times out after being sent is 'in doubt'."),
        ConfigKey("api.ca_file", .string, default: nil, "Extra PEM trust anchors (e.g. a corporate TLS proxy)."),
        ConfigKey("api.proxy", .string, default: nil, "HTTP proxy as http://host:port."),
        ConfigKey("site.api_code", .string, default: nil, "apiCode filled into movements that have none."),
        ConfigKey(
            "site.nation", .choice(["England", "Wales", "Scotland", "NorthernIreland"]), default: "England",
            "Nation of the site (bank holidays for the two-working-day deadline)."),
        ConfigKey(
            "site.bank_holidays_file", .string, default: "/etc/dwt-relay/bank-holidays.json",
            "Optional newer copy of https://www.gov.uk/bank-holidays.json; years in it override the bundled calendar."),
        ConfigKey(
            "site.defaults_file", .string, default: nil,
            "JSON or YAML partial movement body (receiver, receipt address, usual carrier...) merged into every "
                + "movement: the movement's values win, objects merge key by key, arrays are taken whole."),
        ConfigKey("paths.inbox", .string, default: "/var/spool/dwt-relay/inbox", "Writers drop *.json files here."),
        ConfigKey(
            "paths.failed", .string, default: "/var/spool/dwt-relay/failed",
            "Files that could not be accepted locally, each beside NAME.error.json."),
        ConfigKey(
            "paths.results", .string, default: "/var/spool/dwt-relay/results",
            "One NAME.result.json per final outcome, for the weighbridge software to read back."),
        ConfigKey("paths.archive", .string, default: nil, "If set, ingested files are moved here instead of deleted."),
        ConfigKey("paths.state", .string, default: "/var/lib/dwt-relay", "The SQLite database (WAL) lives here."),
        ConfigKey(
            "storage.key_file", .string, default: "/etc/dwt-relay/storage-key",
            "AES-256 key (base64) encrypting payloads at rest; outside paths.state; created 0600 on first run if "
                + "possible. The systemd credential storage-key wins. Back it up: without it payloads are unreadable."),
        ConfigKey(
            "intake.max_file_bytes", .integer(min: 1024, max: 64 << 20), default: "1048576",
            "Largest movement file accepted; larger files go to failed/."),
        ConfigKey(
            "intake.validate", .choice(RelayConfig.ValidationMode.allCases.map(\.rawValue)), default: "warn",
            "Check each movement offline as Defra's running service would: warn (note the errors on the movement, "
                + "still send it), reject (refuse it into failed/ with the errors) or off."),
        ConfigKey(
            "intake.mapping_file", .string, default: nil,
            "JSON or YAML saying what a weighbridge package's own columns or fields mean (columns:, compose:, "
                + "item_groups:, values:, ignore:, delimiter:) for its CSV exports; *.csv in the template's own "
                + "layout needs none. Check one with dwt-relay try-mapping FILE."),
        ConfigKey(
            "intake.csv_mapping_file", .string, default: nil,
            "The earlier name of intake.mapping_file, still read."),
        ConfigKey(
            "intake.max_csv_bytes", .integer(min: 1024, max: 256 << 20), default: "16777216",
            "Largest CSV file accepted (it may hold many movements); larger files go to failed/."),
        ConfigKey(
            "intake.rescan_seconds", .number(min: 1, max: 86400), default: "60",
            "Full inbox rescan interval, a safety net beside inotify."),
        ConfigKey(
            "delivery.concurrency", .integer(min: 1, max: 256), default: "4", "Requests in flight at once."),
        ConfigKey(
            "delivery.max_requests_per_second", .number(min: 0, max: 100_000), default: "100",
            "Client-side rate limit (0 = off). Halves on a 429 and regains slowly."),
        ConfigKey(
            "delivery.backoff_initial_seconds", .number(min: 0.001, max: 3600), default: "1",
            "First retry delay; doubles per attempt with full jitter."),
        ConfigKey(
            "delivery.backoff_max_seconds", .number(min: 0.001, max: 86400), default: "300",
            "Cap of the retry delay."),
        ConfigKey(
            "delivery.in_doubt", .choice(["resend", "hold"]), default: "resend",
            "A POST that may have reached the service: resend and flag possibleDuplicate, or hold for an operator."),
        ConfigKey(
            "delivery.circuit_failures", .integer(min: 1, max: 10_000), default: "5",
            "Consecutive transient failures that pause the whole queue until a single probe succeeds."),
        ConfigKey(
            "delivery.auth_probe_seconds", .number(min: 0.01, max: 86400), default: "300",
            "How often to retry the token endpoint after it refused the credentials."),
        ConfigKey(
            "delivery.payment_probe_seconds", .number(min: 0.01, max: 86400), default: "3600",
            "How often one held movement is resent after a 402 (service charge unpaid)."),
        ConfigKey(
            "http.listen", .string, default: "127.0.0.1:8787",
            "Local API address (submit, /metrics, /healthz); 'off' or null disables."),
        ConfigKey(
            "http.allow_remote", .boolean, default: "false",
            "Allow a non-loopback http.listen address (requires http.token_file)."),
        ConfigKey(
            "http.token_file", .string, default: nil,
            "File holding a bearer token the local API requires (never world-readable); unset = no token."),
        ConfigKey(
            "status.pending_warning_seconds", .number(min: 1, max: 1e9), default: "3600",
            "Oldest pending movement older than this makes status WARNING."),
        ConfigKey(
            "status.pending_critical_seconds", .number(min: 1, max: 1e9), default: "86400",
            "Oldest pending movement older than this makes status CRITICAL."),
        ConfigKey(
            "status.inbox_stall_seconds", .number(min: 1, max: 86400), default: "120",
            "A file waiting in the inbox longer than this while the daemon runs makes status CRITICAL (intake stalled)."
        ),
        ConfigKey(
            "status.deadline_warning_hours", .number(min: 0, max: 240), default: "12",
            "A pending movement whose legal deadline is closer than this makes status WARNING."),
        ConfigKey(
            "retention.records_days", .integer(min: 730, max: 36_500), default: "730",
            "Movements and their event logs are kept at least this long (duty of care: two years, the minimum); "
                + "purge refuses younger records."),
        ConfigKey(
            "retention.results_days", .integer(min: 0, max: 36_500), default: "90",
            "Result files older than this are deleted (0 = keep them all); the outcome stays in the database."),
        ConfigKey(
            "retention.failed_days", .integer(min: 0, max: 36_500), default: "90",
            "Refused files in paths.failed (and their .error.json) older than this are deleted once dealt with "
                + "(acknowledged or corrected); a refusal still open is kept (0 = keep them all)."),
        ConfigKey(
            "retention.archive_days", .integer(min: 0, max: 36_500), default: "730",
            "Files in paths.archive older than this are deleted (0 = keep them all)."),
        ConfigKey(
            "alerts.webhook_url", .string, default: nil,
            "POST alerts here as JSON (http or https); unset = no webhook."),
        ConfigKey(
            "alerts.webhook_format", .choice(["json", "chat"]), default: "json",
            "json: dwt-relay's own fields; chat: {\"text\": ...}, which Slack and Microsoft Teams incoming webhooks take."
        ),
        ConfigKey(
            "alerts.email_to", .string, default: nil,
            "Comma-separated addresses that get alerts by e-mail; unset = no e-mail (needs alerts.smtp_server)."),
        ConfigKey(
            "alerts.email_from", .string, default: nil, "Sender address of alert e-mails (default dwt-relay@HOSTNAME)."),
        ConfigKey(
            "alerts.smtp_server", .string, default: nil, "SMTP server as host:port (587 with STARTTLS is usual)."),
        ConfigKey(
            "alerts.smtp_tls", .choice(["starttls", "tls", "none"]), default: "starttls",
            "starttls: upgrade the connection and refuse a server that cannot; tls: TLS from the start (port 465); "
                + "none: plain text, for a relay on this PC only."),
        ConfigKey(
            "alerts.smtp_credentials_file", .string, default: nil,
            "File with the SMTP user on its first line and password on its second (never world-readable); the "
                + "systemd credential smtp-credentials wins. Unset = no SMTP authentication."),
        ConfigKey(
            "alerts.smtp_ca_file", .string, default: nil, "Extra PEM trust anchors for the SMTP server's certificate."),
        ConfigKey(
            "alerts.site_label", .string, default: nil,
            "How alerts name this site (default: the host name)."),
        ConfigKey(
            "alerts.daily_summary_time", .string, default: nil,
            "HH:MM (UK time) for a daily summary of the day before; unset = no summary."),
        ConfigKey(
            "log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            default: "info", "Log level."),
    ]

    public static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }

    /// Keys whose YAML `null` means "off" rather than "the default".
    static let disabledByNull: Set<String> = ["http.listen"]
}
