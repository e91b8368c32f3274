/// The intake files the config names (site defaults, the CSV mapping), read and checked here rather than in
/// `Config`: their types belong to intake, and the config layer stays below it.
extension RelayConfig {
    /// Each site's defaults file read and checked (a config error names the key); nil where none is set.
    public func siteDefaults() throws -> [String: SiteDefaults] {
        var loaded: [String: SiteDefaults] = [:]
        for (index, site) in sites.enumerated() {
            guard let file = site.defaultsFile else { continue }
            let key = configuredSites == nil ? "site.defaults_file" : "sites[\(index)].defaults_file"
            loaded[site.name] = try SiteDefaults(path: file, key: key)
        }
        return loaded
    }

    /// The CSV mapping file read and checked (a config error names the key); an empty mapping when none is set.
    public func csvMapping() throws -> CSVMapping {
        let current = values["intake.mapping_file"]
        let earlier = values["intake.csv_mapping_file"]
        if let current, let earlier, current != earlier {
            throw ConfigError(
                key: "intake.mapping_file",
                "intake.csv_mapping_file (its earlier name) names another file (\(earlier)); keep one")
        }
        guard let file = current ?? earlier else { return CSVMapping() }
        return try CSVMapping(path: file, key: current != nil ? "intake.mapping_file" : "intake.csv_mapping_file")
    }
}
