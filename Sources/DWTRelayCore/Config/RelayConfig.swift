import Foundation

/// The effective configuration: YAML file, then `DWT_RELAY_*` environment overrides, then defaults.
///
/// Values are kept as validated text keyed by dotted name so that `check-config` can print exactly
/// what is in force; typed accessors below turn them into what each part of the daemon needs.
public struct RelayConfig: Sendable {
    public enum InDoubtPolicy: String, Sendable { case resend, hold }

    /// `intake.validate`: what intake does with a body that fails Defra's rules offline.
    public enum ValidationMode: String, Sendable, CaseIterable {
        /// Stored and sent anyway; the problems are noted on the movement (the service has the last word).
        case warn
        /// Refused into `failed/` with the errors, never sent.
        case reject
        /// Not checked (the fast path: no JSON tree is built).
        case off
    }

    /// Validated values by dotted key; absent means unset.
    public private(set) var values: [String: String]
    /// Where each value came from: "default", "file" or the environment variable name.
    public private(set) var origins: [String: String]
    /// The file the config was read from, if any.
    public let sourcePath: String?
    /// `sites:` from the file; nil for a single-site config.
    public var configuredSites: [SiteConfig]? = nil

    /// Every site this daemon serves (one implicit `default` site without `sites:`).
    public var sites: [SiteConfig] {
        configuredSites
            ?? [
                SiteConfig(
                    name: "default", inbox: inbox, apiCode: siteAPICode, nation: nation,
                    defaultsFile: values["site.defaults_file"])
            ]
    }

    public func site(named name: String?) -> SiteConfig? {
        guard let name else { return sites.first }
        return sites.first { $0.name == name }
    }

    /// Refused files of a site: `paths.failed`, or `paths.failed/NAME` when several sites share the PC.
    public func failedFolder(for site: SiteConfig) -> String {
        configuredSites == nil ? failed : failed + "/" + site.name
    }

    /// Result files of a site: `paths.results`, or `paths.results/NAME` with several sites.
    public func resultsFolder(for siteName: String?) -> String {
        guard configuredSites != nil, let siteName else { return results }
        return results + "/" + siteName
    }

    public init(values: [String: String] = [:], sourcePath: String? = nil) throws {
        self.sourcePath = sourcePath
        self.values = [:]
        self.origins = [:]
        for key in ConfigKey.all {
            if let given = values[key.name] {
                self.values[key.name] = try Self.validate(given, for: key)
                self.origins[key.name] = "file"
            } else if let value = key.defaultValue {
                self.values[key.name] = value
                self.origins[key.name] = "default"
            }
        }
        for name in values.keys where ConfigKey.named(name) == nil {
            throw ConfigError(key: name, "unknown key (known keys: see Config/dwt-relay.example.yaml)")
        }
    }

    /// Sets one key (validated), e.g. from an environment variable or a command-line flag.
    public mutating func set(_ name: String, _ text: String?, origin: String) throws {
        guard let key = ConfigKey.named(name) else { throw ConfigError(key: name, "unknown key") }
        if let text {
            values[name] = try Self.validate(text, for: key)
        } else {
            values.removeValue(forKey: name)
        }
        origins[name] = origin
    }

    static func validate(_ text: String, for key: ConfigKey) throws -> String {
        switch key.kind {
        case .string:
            return text
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "1", "on": return "true"
            case "false", "no", "0", "off": return "false"
            default: throw ConfigError(key: key.name, "expected true or false, got \"\(text)\"")
            }
        case .integer(let min, let max):
            guard let value = Int(text) else {
                throw ConfigError(key: key.name, "expected a whole number, got \"\(text)\"")
            }
            guard value >= min && value <= max else {
                throw ConfigError(key: key.name, "must be between \(min) and \(max), got \(value)")
            }
            return String(value)
        case .number(let min, let max):
            guard let value = Double(text), value.isFinite else {
                throw ConfigError(key: key.name, "expected a number, got \"\(text)\"")
            }
            guard value >= min && value <= max else {
                throw ConfigError(key: key.name, "must be between \(min) and \(max), got \(text)")
            }
            return text
        case .choice(let options):
            guard options.contains(text) else {
                throw ConfigError(key: key.name, "must be one of \(options.joined(separator: ", ")), got \"\(text)\"")
            }
            return text
        }
    }

    // MARK: typed accessors

    public func string(_ name: String) -> String? { values[name] }
    func number(_ name: String) -> Double { Double(values[name] ?? "") ?? 0 }
    func integer(_ name: String) -> Int { Int(values[name] ?? "") ?? 0 }

    public var baseURL: String { values["api.base_url"]! }
    public var tokenURL: String { values["api.token_url"]! }
    public var clientID: String? { values["api.client_id"] }
    public var clientSecretFile: String? { values["api.client_secret_file"] }
    public var timeoutSeconds: Double { number("api.timeout_seconds") }
    public var caFile: String? { values["api.ca_file"] }
    public var proxy: String? { values["api.proxy"] }
    public var siteAPICode: String? { values["site.api_code"] }
    public var nation: Nation { Nation(rawValue: values["site.nation"] ?? "") ?? .england }
    public var bankHolidaysFile: String? { values["site.bank_holidays_file"] }
    public var inboxStallSeconds: Double { number("status.inbox_stall_seconds") }
    public var deadlineWarningSeconds: Double { number("status.deadline_warning_hours") * 3600 }
    public var inbox: String { values["paths.inbox"]! }
    public var failed: String { values["paths.failed"]! }
    public var results: String { values["paths.results"]! }
    public var archive: String? { values["paths.archive"] }
    public var stateDirectory: String { values["paths.state"]! }
    public var storageKeyFile: String { values["storage.key_file"]! }
    public var databasePath: String { stateDirectory + "/dwt-relay.sqlite" }
    public var maxFileBytes: Int { integer("intake.max_file_bytes") }
    /// Days movements are kept at least (never below two years).
    public var recordsRetentionDays: Int { integer("retention.records_days") }
    public var resultsRetentionDays: Int { integer("retention.results_days") }
    public var failedRetentionDays: Int { integer("retention.failed_days") }
    public var archiveRetentionDays: Int { integer("retention.archive_days") }
    public var intakeValidate: ValidationMode { ValidationMode(rawValue: values["intake.validate"] ?? "") ?? .warn }
    public var rescanSeconds: Double { number("intake.rescan_seconds") }
    public var concurrency: Int { integer("delivery.concurrency") }
    public var maxRequestsPerSecond: Double { number("delivery.max_requests_per_second") }
    public var backoffInitialSeconds: Double { number("delivery.backoff_initial_seconds") }
    public var backoffMaxSeconds: Double { number("delivery.backoff_max_seconds") }
    public var inDoubt: InDoubtPolicy { InDoubtPolicy(rawValue: values["delivery.in_doubt"] ?? "") ?? .resend }
    public var circuitFailures: Int { integer("delivery.circuit_failures") }
    public var authProbeSeconds: Double { number("delivery.auth_probe_seconds") }
    public var paymentProbeSeconds: Double { number("delivery.payment_probe_seconds") }
    public var httpListen: String? {
        guard let value = values["http.listen"], value != "off", !value.isEmpty else { return nil }
        return value
    }
    public var httpAllowRemote: Bool { values["http.allow_remote"] == "true" }
    public var httpTokenFile: String? { values["http.token_file"] }
    public var pendingWarningSeconds: Double { number("status.pending_warning_seconds") }
    public var pendingCriticalSeconds: Double { number("status.pending_critical_seconds") }
    public var logLevel: String { values["log.level"] ?? "info" }
}
