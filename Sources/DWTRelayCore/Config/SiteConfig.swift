/// One receiving site served by this PC: its own inbox, apiCode and nation (`sites:` in the config).
/// A config without `sites:` has one implicit site named `default` built from `paths.inbox`,
/// `site.api_code` and `site.nation`, so single-site configs keep working unchanged.
public struct SiteConfig: Sendable, Equatable {
    public var name: String
    public var inbox: String
    public var apiCode: String?
    public var nation: Nation
    /// A partial movement body merged into each of this site's movements (see `SiteDefaults`).
    public var defaultsFile: String?

    public init(name: String, inbox: String, apiCode: String?, nation: Nation, defaultsFile: String? = nil) {
        self.name = name
        self.inbox = inbox
        self.apiCode = apiCode
        self.nation = nation
        self.defaultsFile = defaultsFile
    }

    static let keys = ["name", "inbox", "api_code", "nation", "defaults_file"]

    /// Parses the `sites:` list, naming the entry and key at fault.
    static func parse(_ value: Any, defaultNation: Nation) throws -> [SiteConfig] {
        guard let entries = value as? [Any], !entries.isEmpty else {
            throw ConfigError(key: "sites", "must be a non-empty list of {name, inbox, api_code, nation}")
        }
        var sites: [SiteConfig] = []
        for (index, entry) in entries.enumerated() {
            let at = "sites[\(index)]"
            guard let mapping = entry as? [String: Any] else { throw ConfigError(key: at, "must be a mapping") }
            for key in mapping.keys where !keys.contains(key) {
                throw ConfigError(key: "\(at).\(key)", "unknown key (known: \(keys.joined(separator: ", ")))")
            }
            guard let name = mapping["name"] as? String,
                name.range(of: "^[A-Za-z0-9_-]{1,64}$", options: .regularExpression) != nil
            else {
                throw ConfigError(
                    key: "\(at).name", "required: letters, digits, - or _ (it names result and failed folders)")
            }
            guard let inbox = mapping["inbox"] as? String, !inbox.isEmpty else {
                throw ConfigError(key: "\(at).inbox", "required: the folder this site's weighbridge writes to")
            }
            var nation = defaultNation
            if let text = mapping["nation"] {
                guard let text = text as? String, let parsed = Nation(rawValue: text) else {
                    throw ConfigError(
                        key: "\(at).nation", "must be one of \(Nation.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                nation = parsed
            }
            if let code = mapping["api_code"], !(code is String) {
                throw ConfigError(key: "\(at).api_code", "must be a string")
            }
            if sites.contains(where: { $0.name == name }) {
                throw ConfigError(key: "\(at).name", "\"\(name)\" is used twice")
            }
            if sites.contains(where: { $0.inbox == inbox }) {
                throw ConfigError(key: "\(at).inbox", "\(inbox) is already another site's inbox")
            }
            if let file = mapping["defaults_file"], !(file is String) {
                throw ConfigError(key: "\(at).defaults_file", "must be a file path")
            }
            sites.append(
                SiteConfig(
                    name: name, inbox: inbox, apiCode: mapping["api_code"] as? String, nation: nation,
                    defaultsFile: mapping["defaults_file"] as? String))
        }
        return sites
    }
}
