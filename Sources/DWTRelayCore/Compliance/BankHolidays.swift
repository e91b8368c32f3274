import Foundation

/// Bank holidays per nation: the published calendar where we have it, the statutory rules otherwise.
///
/// The bundled `bank-holidays.json` is gov.uk's file (https://www.gov.uk/bank-holidays.json, same format).
/// To update it on a site, save a newer copy as `/etc/dwt-relay/bank-holidays.json` (`site.bank_holidays_file`):
/// any year present in that file is taken from it; other years are computed from the rules below.
public struct BankHolidays: Sendable {
    /// Published dates per division and year, as `yyyy-MM-dd`.
    let published: [String: [Int: Set<String>]]

    public init(publishedJSON: Data?) {
        var table: [String: [Int: Set<String>]] = [:]
        if let publishedJSON,
            let root = (try? JSONSerialization.jsonObject(with: publishedJSON)) as? [String: Any]
        {
            for (division, value) in root {
                guard let events = (value as? [String: Any])?["events"] as? [[String: Any]] else { continue }
                for event in events {
                    guard let date = event["date"] as? String, let year = Int(date.prefix(4)) else { continue }
                    table[division, default: [:]][year, default: []].insert(date)
                }
            }
        }
        published = table
    }

    /// The bundled calendar, overlaid by a site file when one is given and readable.
    public static func load(siteFile: String?) -> BankHolidays {
        if let siteFile, let data = FileManager.default.contents(atPath: siteFile) {
            let site = BankHolidays(publishedJSON: data)
            if !site.published.isEmpty { return site.merged(over: bundled) }
        }
        return bundled
    }

    public static let bundled: BankHolidays = {
        let url = Bundle.module.url(forResource: "bank-holidays", withExtension: "json", subdirectory: "ReferenceData")
        return BankHolidays(publishedJSON: url.flatMap { try? Data(contentsOf: $0) })
    }()

    func merged(over base: BankHolidays) -> BankHolidays {
        var table = base.published
        for (division, years) in published {
            for (year, dates) in years { table[division, default: [:]][year] = dates }
        }
        return BankHolidays(table: table)
    }

    private init(table: [String: [Int: Set<String>]]) { published = table }

    /// Holidays of `nation` in `year` as `yyyy-MM-dd`.
    public func holidays(_ nation: Nation, year: Int) -> Set<String> {
        if let dates = published[nation.division]?[year] { return dates }
        return Self.computed(nation, year: year)
    }

    // MARK: the rules

    static func computed(_ nation: Nation, year: Int) -> Set<String> {
        var days: [Day] = []
        let easter = easterSunday(year)
        days.append(easter.adding(-2))  // Good Friday
        if nation != .scotland { days.append(easter.adding(1)) }  // Easter Monday
        days.append(Day.firstMonday(year, 5))
        days.append(Day.lastMonday(year, 5))
        days.append(nation == .scotland ? Day.firstMonday(year, 8) : Day.lastMonday(year, 8))
        // Fixed-date holidays move to the next weekday that is not already a holiday.
        var fixed: [Day] = [Day(year, 1, 1)]
        if nation == .scotland { fixed.append(Day(year, 1, 2)) }
        if nation == .northernIreland {
            fixed.append(Day(year, 3, 17))
            fixed.append(Day(year, 7, 12))
        }
        if nation == .scotland { fixed.append(Day(year, 11, 30)) }
        fixed += [Day(year, 12, 25), Day(year, 12, 26)]
        var taken = Set(days)
        for day in fixed {
            var observed = day
            while observed.isWeekend || taken.contains(observed) { observed = observed.adding(1) }
            taken.insert(observed)
            days.append(observed)
        }
        return Set(days.map(\.text))
    }

    /// Easter Sunday (anonymous Gregorian algorithm).
    static func easterSunday(_ year: Int) -> Day {
        let a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1
        return Day(year, month, day)
    }
}

/// A calendar day without a time zone (proleptic Gregorian).
struct Day: Hashable, Comparable {
    let year: Int, month: Int, day: Int

    init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01.
    var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    init(ordinal: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    func adding(_ days: Int) -> Day { Day(ordinal: ordinal + days) }

    /// 0 = Monday ... 6 = Sunday.
    var weekday: Int { ((ordinal % 7) + 7 + 3) % 7 }
    var isWeekend: Bool { weekday >= 5 }
    var text: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    static func firstMonday(_ year: Int, _ month: Int) -> Day {
        var day = Day(year, month, 1)
        while day.weekday != 0 { day = day.adding(1) }
        return day
    }

    static func lastMonday(_ year: Int, _ month: Int) -> Day {
        var day = Day(year, month + 1, 1).adding(-1)
        while day.weekday != 0 { day = day.adding(-1) }
        return day
    }

    static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }
}
