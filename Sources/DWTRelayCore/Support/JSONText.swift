import Foundation

/// Stable JSON text for CLI output and files.
public enum JSONText {
    /// `sorted: false` skips key sorting, which dominates the cost of writing a result file.
    public static func encode(_ value: Any, pretty: Bool = true, sorted: Bool = true) -> String {
        var options: JSONSerialization.WritingOptions = [.withoutEscapingSlashes]
        if sorted { options.insert(.sortedKeys) }
        if pretty { options.insert(.prettyPrinted) }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: options) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
