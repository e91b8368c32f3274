import Foundation
import Yams

/// YAML read with limits. Yams expands aliases when it builds Swift values, so a few lines of nested
/// aliases ("a billion laughs") would grow to gigabytes and end the daemon by memory instead of by a config
/// error. The document is composed first (aliases stay shared, so this is cheap), its expanded size counted
/// with a ceiling, and only a document under the ceiling is turned into values.
enum BoundedYAML {
    /// Larger than any config, mapping or defaults file a site writes by hand, by orders of magnitude.
    static let maxBytes = 1 << 20
    static let maxNodes = 100_000

    /// The document's value (nil for an empty one); a `ConfigError` under `key` naming `path` otherwise.
    static func load(_ text: String, path: String, key: String) throws -> Any? {
        guard text.utf8.count <= maxBytes else {
            throw ConfigError(key: key, "\(path) is larger than \(maxBytes / 1024) KiB; is it the right file?")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(key: key, "\(path) is not valid YAML: \(error)")
        }
        guard let root else { return nil }
        var budget = maxNodes
        guard fits(root, within: &budget) else {
            throw ConfigError(
                key: key,
                "\(path) expands to more than \(maxNodes) values (through YAML aliases?); write the values out")
        }
        return root.any
    }

    /// Counts `node` and everything under it, aliases expanded, against `budget`; false once it runs out.
    private static func fits(_ node: Node, within budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .sequence(let sequence):
            return sequence.allSatisfy { fits($0, within: &budget) }
        case .mapping(let mapping):
            return mapping.allSatisfy { fits($0.key, within: &budget) && fits($0.value, within: &budget) }
        }
    }
}
