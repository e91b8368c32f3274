import Foundation

/// Times as people at a UK site read them: Europe/London (GMT or BST, named), days from local midnight.
/// Stored facts and JSON stay UTC; only what a person reads is local.
public enum UKTime {
    static let zone = TimeZone(identifier: "Europe/London")!

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// `2026-11-29 15:04 GMT`; `-` for none.
    public static func minute(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        let date = Date(timeIntervalSince1970: seconds)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d %@", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            zone.isDaylightSavingTime(for: date) ? "BST" : "GMT")  // Foundation on Linux says "GMT+1"
    }

    /// A receipt deadline as people say it: `the end of 2026-12-01` for a local midnight, else the minute.
    public static func deadline(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        let date = Date(timeIntervalSince1970: seconds)
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        guard parts.hour == 0, parts.minute == 0, parts.second == 0 else { return minute(seconds) }
        return "the end of " + day(containing: seconds - 1).label
    }

    /// Minutes since local midnight (for "daily at HH:MM").
    public static func minuteOfDay(_ seconds: Double) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: Date(timeIntervalSince1970: seconds))
        return parts.hour! * 60 + parts.minute!
    }

    /// `15:04`, for a list of one day's loads.
    public static func clock(_ seconds: Double) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: Date(timeIntervalSince1970: seconds))
        return String(format: "%02d:%02d", parts.hour!, parts.minute!)
    }

    /// One local day: its label (`2026-11-29`) and its bounds in seconds since 1970 (23 or 25 hours long on
    /// the days the clocks change).
    public struct Day: Sendable, Equatable {
        public var label: String
        public var start: Double
        public var end: Double
    }

    /// The local day holding `seconds`.
    public static func day(containing seconds: Double) -> Day {
        let start = calendar.startOfDay(for: Date(timeIntervalSince1970: seconds))
        let next = calendar.date(byAdding: .day, value: 1, to: start)!
        let parts = calendar.dateComponents([.year, .month, .day], from: start)
        return Day(
            label: String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!),
            start: start.timeIntervalSince1970, end: next.timeIntervalSince1970)
    }

    /// The local day a person named (`2026-11-29`); nil for anything else.
    public static func day(named text: String) -> Day? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day, components.hour) = (year, month, day, 12)
        guard let noon = calendar.date(from: components),
            calendar.component(.day, from: noon) == day
        else { return nil }
        return Self.day(containing: noon.timeIntervalSince1970)
    }
}
