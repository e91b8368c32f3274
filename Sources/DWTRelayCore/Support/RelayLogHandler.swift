import Foundation
import Logging

/// One line per event on stderr: `LEVEL message key=value ...` (journald adds time and unit), or one JSON
/// object per line for log shippers. Bootstrapped by the CLI only, never by tests.
public struct RelayLogHandler: LogHandler {
    public enum Format: String, Sendable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: Format

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote("\($0.value)"))" }
            line = ([event.level.rawValue.uppercased(), "\(event.message)"] + fields).joined(separator: " ")
        case .json:
            var object: [String: Any] = [
                "time": ISO8601.string(Date().timeIntervalSince1970), "level": event.level.rawValue,
                "message": "\(event.message)", "logger": label,
            ]
            for (key, value) in merged { object[key] = "\(value)" }
            line = JSONText.encode(object, pretty: false)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func quote(_ value: String) -> String {
        if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return value
    }
}
