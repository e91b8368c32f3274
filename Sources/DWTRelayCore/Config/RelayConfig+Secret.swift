import Foundation

extension RelayConfig {
    /// What the unit's `SetCredential=` fallback holds when the file `LoadCredential=` names is missing.
    public static let missingCredentialMarker = "dwt-relay:missing"

    /// Reads the OAuth client secret: systemd credential first, then `api.client_secret_file`.
    ///
    /// A secret file readable by everyone is refused: the secret would already be exposed.
    public func readClientSecret(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var candidates: [(path: String, key: String)] = []
        if let credentials = environment["CREDENTIALS_DIRECTORY"] {
            candidates.append((credentials + "/client-secret", "CREDENTIALS_DIRECTORY/client-secret"))
        }
        if let file = clientSecretFile { candidates.append((file, "api.client_secret_file")) }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path) {
            var info = stat()
            guard stat(candidate.path, &info) == 0 else {
                throw ConfigError(key: candidate.key, "cannot stat \(candidate.path)")
            }
            if info.st_mode & 0o004 != 0 {
                throw ConfigError(
                    key: candidate.key,
                    "\(candidate.path) is readable by every user; run: chmod 600 \(candidate.path)")
            }
            guard let data = FileManager.default.contents(atPath: candidate.path),
                let text = String(data: data, encoding: .utf8)
            else {
                throw ConfigError(key: candidate.key, "cannot read \(candidate.path) (permissions?)")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty && secret != Self.missingCredentialMarker else {
                if candidate.key == "api.client_secret_file" {
                    throw ConfigError(
                        key: candidate.key,
                        "\(candidate.path) is empty: put the client secret Defra issued in it")
                }
                // Under systemd the marker means the file is missing (the unit's SetCredential= fallback).
                throw ConfigError(
                    key: candidate.key,
                    "no client secret: /etc/dwt-relay/client-secret (which the unit's LoadCredential=client-secret "
                        + "names) is missing or empty; put the client secret Defra issued in it (chmod 600)")
            }
            return secret
        }
        throw ConfigError(
            key: "api.client_secret_file",
            "no client secret found (looked in \(candidates.map(\.path).joined(separator: ", ")))")
    }

    /// The effective config as YAML-like text, one commented key per line; secrets are never part of it.
    public func render() -> String {
        var lines: [String] = []
        if let sourcePath { lines.append("# from \(sourcePath)") } else { lines.append("# no config file; defaults") }
        var section = ""
        for key in ConfigKey.all {
            let parts = key.name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts[0] != section {
                section = parts[0]
                lines.append("\(section):")
            }
            let value = values[key.name].map { "\"\(Self.redacted($0, key: key.name))\"" } ?? "null"
            let origin = origins[key.name] ?? "default"
            lines.append("  \(parts[1]): \(value)    # \(origin)")
        }
        for site in configuredSites ?? [] {
            lines.append(
                "# site \(site.name): inbox \(site.inbox), apiCode \(site.apiCode ?? "(from the files)"), \(site.nation.rawValue)"
            )
        }
        lines.append("# client secret: <redacted> (read from credential or api.client_secret_file at run time)")
        return lines.joined(separator: "\n")
    }

    /// Keys whose URL carries its secret in the path: Slack's and Teams' incoming webhooks are authorised by
    /// the path alone, so only the scheme and host are ever printed.
    static let urlsWithSecretPaths: Set<String> = ["alerts.webhook_url"]

    /// `value` as it may be printed for `key`.
    public static func redacted(_ value: String, key: String) -> String {
        guard urlsWithSecretPaths.contains(key) else { return redacted(value) }
        return hostOnly(value)
    }

    /// `https://hooks.slack.com/<redacted>`: the scheme and host of a URL whose path or query is a secret.
    public static func hostOnly(_ value: String) -> String {
        guard let url = URL(string: value), let scheme = url.scheme, let host = url.host else { return "<redacted>" }
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)/<redacted>"
    }

    /// A URL with any password in it replaced (`http://user:<redacted>@proxy:3128`), for printing.
    public static func redacted(_ value: String) -> String {
        guard let scheme = value.range(of: "://"), let at = value[scheme.upperBound...].lastIndex(of: "@") else {
            return value
        }
        let userInfo = value[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return value }
        return String(value[..<value.index(after: colon)]) + "<redacted>" + String(value[at...])
    }

    /// The config as a loadable YAML file (only keys that differ from their defaults).
    public func renderYAML() -> String {
        var sections: [String: [String]] = [:]
        var order: [String] = []
        for key in ConfigKey.all {
            guard let value = values[key.name], value != key.defaultValue else { continue }
            let parts = key.name.split(separator: ".", maxSplits: 1).map(String.init)
            if sections[parts[0]] == nil { order.append(parts[0]) }
            let isText: Bool
            switch key.kind {
            case .string, .choice: isText = true
            default: isText = false
            }
            let quoted =
                !isText
                ? value
                : "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            sections[parts[0], default: []].append("  \(parts[1]): \(quoted)")
        }
        var text = order.map { "\($0):\n" + sections[$0]!.joined(separator: "\n") }.joined(separator: "\n") + "\n"
        if let sites = configuredSites {
            text += "sites:\n"
            for site in sites {
                text +=
                    "  - name: \"\(site.name)\"\n    inbox: \"\(site.inbox)\"\n    nation: \"\(site.nation.rawValue)\"\n"
                if let code = site.apiCode { text += "    api_code: \"\(code)\"\n" }
            }
        }
        return text
    }
}
