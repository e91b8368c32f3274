import Foundation

/// The alert channels from `alerts.*`, checked: a wrong value is a config error naming the key.
public struct AlertSettings: Sendable {
    public enum WebhookFormat: String, Sendable {
        /// dwt-relay's own fields (kind, subject, lines, site, at).
        case json
        /// `{"text": ...}`: what Slack and Microsoft Teams incoming webhooks take.
        case chat
    }

    public struct Webhook: Sendable {
        public var url: String
        public var format: WebhookFormat
    }

    public struct Email: Sendable {
        public enum Security: String, Sendable {
            case starttls, tls, none
        }

        public var host: String
        public var port: Int
        public var security: Security
        public var from: String
        public var to: [String]
        /// User and password, read from the credential file at start.
        public var credentials: (user: String, password: String)?
        public var caFile: String?
    }

    public var webhook: Webhook?
    public var email: Email?
    public var siteLabel: String
    /// Minutes after local midnight for the daily summary.
    public var dailySummaryMinute: Int?

    public var channels: [AlertChannel] {
        (webhook == nil ? [] : [.webhook]) + (email == nil ? [] : [.email])
    }

    public init(config: RelayConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let host = ProcessInfo.processInfo.hostName
        siteLabel = config.values["alerts.site_label"] ?? host
        if let url = config.values["alerts.webhook_url"] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw ConfigError(
                    key: "alerts.webhook_url",
                    "expected an http(s) URL, got \"\(RelayConfig.hostOnly(url))\" (the rest is not printed: a webhook's path is its secret)"
                )
            }
            webhook = Webhook(
                url: url, format: WebhookFormat(rawValue: config.values["alerts.webhook_format"] ?? "json") ?? .json)
        }
        if let to = config.values["alerts.email_to"] {
            let addresses = to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for address in addresses where !Self.looksLikeAddress(address) {
                throw ConfigError(key: "alerts.email_to", "\"\(address)\" is not an e-mail address")
            }
            guard let server = config.values["alerts.smtp_server"] else {
                throw ConfigError(key: "alerts.smtp_server", "alerts.email_to is set but no SMTP server: set host:port")
            }
            guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]),
                (1...65535).contains(port), colon != server.startIndex
            else { throw ConfigError(key: "alerts.smtp_server", "expected host:port, got \"\(server)\"") }
            let from = config.values["alerts.email_from"] ?? "dwt-relay@\(host)"
            guard Self.looksLikeAddress(from) else {
                throw ConfigError(key: "alerts.email_from", "\"\(from)\" is not an e-mail address")
            }
            email = Email(
                host: String(server[..<colon]), port: port,
                security: Email.Security(rawValue: config.values["alerts.smtp_tls"] ?? "starttls") ?? .starttls,
                from: from, to: addresses,
                credentials: try Self.readCredentials(config: config, environment: environment),
                caFile: config.values["alerts.smtp_ca_file"])
            if let caFile = email?.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw ConfigError(key: "alerts.smtp_ca_file", "cannot read \(caFile)")
            }
        }
        if let time = config.values["alerts.daily_summary_time"] {
            let parts = time.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                throw ConfigError(key: "alerts.daily_summary_time", "expected HH:MM (UK time), got \"\(time)\"")
            }
            dailySummaryMinute = parts[0] * 60 + parts[1]
        }
    }

    static func looksLikeAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@")
        // No dot required: a site's relay may know single-label domains, and the default sender is
        // dwt-relay@HOSTNAME (a test found a host name without a dot refused).
        return parts.count == 2 && !parts[0].isEmpty && !text.hasSuffix("@")
            && !text.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" })
    }

    /// `CREDENTIALS_DIRECTORY/smtp-credentials` (systemd), else `alerts.smtp_credentials_file`: user, password.
    static func readCredentials(config: RelayConfig, environment: [String: String]) throws -> (
        user: String, password: String
    )? {
        guard let file = config.values["alerts.smtp_credentials_file"] else { return nil }
        var candidates: [(String, String)] = []
        if let directory = environment["CREDENTIALS_DIRECTORY"] {
            candidates.append((directory + "/smtp-credentials", "CREDENTIALS_DIRECTORY/smtp-credentials"))
        }
        candidates.append((file, "alerts.smtp_credentials_file"))
        for (path, key) in candidates {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            if text.trimmingCharacters(in: .whitespacesAndNewlines) == RelayConfig.missingCredentialMarker { continue }
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o004 != 0 {
                throw ConfigError(key: key, "\(path) is readable by every user; run: chmod 600 \(path)")
            }
            let lines = text.split(whereSeparator: \.isNewline).map { String($0) }
            guard lines.count >= 2, !lines[0].isEmpty, !lines[1].isEmpty else {
                throw ConfigError(key: key, "\(path) must hold the SMTP user on line 1 and the password on line 2")
            }
            return (lines[0], lines[1])
        }
        throw ConfigError(
            key: "alerts.smtp_credentials_file", "cannot read \(file) (missing, or not readable by this user)")
    }
}
