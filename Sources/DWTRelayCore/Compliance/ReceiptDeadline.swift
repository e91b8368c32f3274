import Foundation

/// The legal deadline for recording a receipt: the end of the second working day after the day the waste
/// was received, in Europe/London time, skipping weekends and the site nation's bank holidays.
public struct ReceiptDeadline: Sendable {
    public let nation: Nation
    public let holidays: BankHolidays
    private let calendar: Calendar

    public init(nation: Nation, holidays: BankHolidays = .bundled) {
        self.nation = nation
        self.holidays = holidays
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        self.calendar = calendar
    }

    /// Deadline (seconds since 1970) for waste received at `received` (seconds since 1970).
    public func deadline(receivedAt received: Double) -> Double {
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: received))
        var day = Day(parts.year!, parts.month!, parts.day!)
        var workingDays = 0
        while workingDays < 2 {
            day = day.adding(1)
            if !day.isWeekend && !holidays.holidays(nation, year: day.year).contains(day.text) { workingDays += 1 }
        }
        // End of that day = start of the next day in London (handles BST changes).
        let next = day.adding(1)
        let start = calendar.date(from: DateComponents(year: next.year, month: next.month, day: next.day))!
        return start.timeIntervalSince1970
    }

    /// Deadline from the movement's `dateTimeReceived`, falling back to when dwt-relay received it.
    public func deadline(dateTimeReceived: String?, fallback: Double) -> Double {
        deadline(receivedAt: dateTimeReceived.flatMap(ISO8601.parse) ?? fallback)
    }
}
