import Foundation

/// UTC timestamps as ISO 8601 with milliseconds, the form used in every JSON output.
public enum ISO8601 {
    /// `2026-11-20T12:00:00.000Z` (milliseconds truncated, like Foundation's formatter). Formatted by hand
    /// with `gmtime_r`: every result file and status line carries several, and Foundation's format style
    /// cost microseconds each.
    public static func string(_ seconds: Double) -> String {
        let floor = seconds.rounded(.down)
        var whole = time_t(floor)
        let fraction = min(999, Int(((seconds - floor) * 1000).rounded(.down)))
        var parts = tm()
        guard gmtime_r(&whole, &parts) != nil else {
            return Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(
                Date(timeIntervalSince1970: seconds))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        bytes.append(0x2D)
        digits(Int(parts.tm_mon) + 1, 2)
        bytes.append(0x2D)
        digits(Int(parts.tm_mday), 2)
        bytes.append(0x54)
        digits(Int(parts.tm_hour), 2)
        bytes.append(0x3A)
        digits(Int(parts.tm_min), 2)
        bytes.append(0x3A)
        digits(Int(parts.tm_sec), 2)
        bytes.append(0x2E)
        digits(fraction, 3)
        bytes.append(0x5A)
        return String(decoding: bytes, as: UTF8.self)
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
