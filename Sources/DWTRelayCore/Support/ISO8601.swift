import Foundation

/// UTC timestamps as ISO 8601 with milliseconds, the form used in every JSON output.
public enum ISO8601 {
    public static func string(_ seconds: Double) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date(timeIntervalSince1970: seconds))
    }

    public static func optional(_ seconds: Double?) -> String? { seconds.map(string) }

    /// Parses `2026-11-20`, `2026-11-20T12:00:00Z`, with fractional seconds or an offset.
    public static func parse(_ text: String) -> Double? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date.timeIntervalSince1970
        }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date.timeIntervalSince1970 }
        if let date = try? Date.ISO8601FormatStyle().year().month().day().parse(text) {
            return date.timeIntervalSince1970
        }
        return nil
    }
}
