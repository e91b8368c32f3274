import Foundation

extension RelayConfig {
    /// Default config path: `$DWT_RELAY_CONFIG`, else the packaged location.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["DWT_RELAY_CONFIG"] ?? "/etc/dwt-relay/dwt-relay.yaml"
    }

    /// Loads the YAML file (a missing file is an error only when `mustExist`), then applies
    /// `DWT_RELAY_<SECTION>_<KEY>` environment overrides.
    public static func load(
        path: String?, mustExist: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RelayConfig {
        var fileValues: [String: String] = [:]
        var sitesValue: Any? = nil
        var usedPath: String? = nil
        if let path {
            if FileManager.default.fileExists(atPath: path) {
                let text: String
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw ConfigError(key: path, "cannot read config file: \(error.localizedDescription)")
                }
                (fileValues, sitesValue) = try parseYAMLWithSites(text, file: path)
                usedPath = path
            } else if mustExist {
                throw ConfigError(key: path, "config file not found")
            }
        }
        var config = try RelayConfig(values: fileValues, sourcePath: usedPath)
        if let sitesValue { config.configuredSites = try SiteConfig.parse(sitesValue, defaultNation: config.nation) }
        for key in ConfigKey.all {
            if let text = environment[key.environmentName] {
                do {
                    try config.set(key.name, text == "null" ? nil : text, origin: key.environmentName)
                } catch let error as ConfigError {
                    throw ConfigError(key: "\(key.name) (from \(key.environmentName))", error.problem)
                }
            }
        }
        return config
    }

    /// Flattens `section: {key: value}` YAML into dotted names, rejecting wrong shapes with the key named.
    static func parseYAMLWithSites(_ text: String, file: String) throws -> (values: [String: String], sites: Any?) {
        let root = try BoundedYAML.load(text, path: file, key: file)
        guard let root else { return ([:], nil) }
        guard let sections = root as? [String: Any] else {
            throw ConfigError(key: file, "top level must be a mapping of sections (api, site, paths, ...)")
        }
        var flat: [String: String] = [:]
        var sites: Any? = nil
        for (section, body) in sections {
            if body is NSNull { continue }
            if section == "sites" {
                sites = body
                continue
            }
            guard let mapping = body as? [String: Any] else {
                throw ConfigError(key: section, "must be a mapping of keys")
            }
            for (key, value) in mapping {
                let name = "\(section).\(key)"
                guard let spec = ConfigKey.named(name) else {
                    throw ConfigError(key: name, "unknown key (known keys: see Config/dwt-relay.example.yaml)")
                }
                if value is NSNull {
                    // `key: null` leaves a key at its default, except where the contract says null switches
                    // the feature off (`http.listen: null` disables the local API).
                    if ConfigKey.disabledByNull.contains(name) { flat[name] = "off" }
                    continue
                }
                flat[name] = try scalarText(value, key: spec)
            }
        }
        return (flat, sites)
    }

    private static func scalarText(_ value: Any, key: ConfigKey) throws -> String {
        switch value {
        case let bool as Bool:
            guard key.kind == .boolean else { throw ConfigError(key: key.name, "expected \(key.kind), got a boolean") }
            return bool ? "true" : "false"
        case let int as Int:
            return String(int)
        case let double as Double:
            return String(double)
        case let string as String:
            if case .integer = key.kind {
                throw ConfigError(key: key.name, "expected a whole number, got \"\(string)\"")
            }
            if case .number = key.kind { throw ConfigError(key: key.name, "expected a number, got \"\(string)\"") }
            return string
        default:
            throw ConfigError(key: key.name, "expected a single value, got a list or mapping")
        }
    }
}
