import Foundation

/// Dates, times, declared units and percentages as exports write them. Nothing is guessed: a date that
/// reads both as day/month and month/day is refused unless its column declares the order.
extension ReceiptCellParser {
    /// A date cell read: the UTC time for the API, whether it carried a time of day, and how it was read.
    struct ReadDate {
        var utc: String
        var hadTime: Bool
        /// "3/7/2024 11:05 read as mm/dd/yyyy: 2024-03-07 11:05 UK time" when the order was declared.
        var reading: String?
    }

    /// `text` as a date (and time) in the `order` given, with the time of day from `time` (another
    /// column's cell) when the date has none. `declared` says the order is the site's own declaration
    /// (else the template's dd/mm/yyyy, or none for a mapped column: then an ambiguous date is refused).
    static func receivedDate(
        _ text: String, order: CSVMapping.DateOrder?, declared: Bool, time: (heading: String, text: String)?
    ) throws(Refused) -> ReadDate {
        let text = text.trimmingCharacters(in: .whitespaces)
        let pattern =
            #"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else {
            // An ISO 8601 time with its offset, as JSON tickets write it.
            if time == nil, let utc = try? londonDateTime(text) { return ReadDate(utc: utc, hadTime: true) }
            throw Refused(
                "\"\(text)\" is not a date as \(order?.rawValue ?? "dd/mm/yyyy") (with an optional hh:mm), e.g. "
                    + example(order))
        }
        let fields = text.split(whereSeparator: { "/.- :T".contains($0) }).map(String.init)
        let numbers = fields.compactMap { Int($0) }
        var day = 0, month = 0, year = 0
        var used = order
        if fields[0].count == 4 {
            (year, month, day) = (numbers[0], numbers[1], numbers[2])
            used = .yearMonthDay
        } else {
            guard fields[2].count == 4 else {
                throw Refused(
                    "\"\(text)\": write the year in full (four digits); \"\(fields[2])\" could be any century")
            }
            let (first, second) = (numbers[0], numbers[1])
            year = numbers[2]
            switch order {
            case .monthDayYear: (month, day) = (first, second)
            case .dayMonthYear: (day, month) = (first, second)
            case .yearMonthDay:
                throw Refused("\"\(text)\" is not a date as yyyy-mm-dd, which this column declares")
            case nil:
                if first <= 12 && second <= 12 && first != second {
                    throw Refused(
                        "\"\(text)\" reads as \(first)/\(second) (day/month) or as \(second)/\(first) (month/day); "
                            + "dwt-relay never guesses: declare date_format: dd/mm/yyyy or mm/dd/yyyy for this "
                            + "column in intake.mapping_file")
                }
                if second > 12 {
                    (month, day) = (first, second)
                    used = .monthDayYear
                } else {
                    (day, month) = (first, second)
                    used = .dayMonthYear
                }
            }
        }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else {
            throw Refused("\"\(text)\" is not a date as \(used?.rawValue ?? "dd/mm/yyyy"): no such day")
        }
        var clock: (hour: Int, minute: Int, second: Int)?
        if numbers.count > 3 {
            clock = try timeOfDay(Array(fields[3...]).joined(separator: ":"), text: text)
        }
        if let time, !time.text.isEmpty {
            let other = try timeOfDay(time.text, text: time.text)
            if let clock, clock != other {
                throw Refused(
                    "\"\(text)\" has a time of day, and column \"\(time.heading)\" gives another (\"\(time.text)\"); "
                        + "keep one")
            }
            clock = other
        }
        let local = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, clock?.hour ?? 0, clock?.minute ?? 0,
            clock?.second ?? 0)
        let utc: String
        do throws(IntakeRejection) {
            guard let converted = try TypedInputNormaliser.localToUTC(local) else {
                throw IntakeRejection("\"\(text)\" is not a date and time")
            }
            utc = converted
        } catch {
            throw Refused(error.reason.replacingOccurrences(of: "\"\(local)\"", with: "\"\(text)\""))
        }
        let shown = String(local.prefix(16)).replacingOccurrences(of: "T", with: " ")
        let reading =
            declared || used != order
            ? "\"\(text)\(time.map { " " + $0.text } ?? "")\" read as \(used?.rawValue ?? "dd/mm/yyyy"): \(shown) UK time"
            : nil
        return ReadDate(utc: utc, hadTime: clock != nil, reading: reading)
    }

    /// The Gregorian calendar's days in a month: no `Calendar` and `DateComponents` made for every cell.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func example(_ order: CSVMapping.DateOrder?) -> String {
        switch order {
        case .monthDayYear: return "03/14/2026 11:05"
        case .yearMonthDay: return "2026-03-14 11:05"
        default: return "14/03/2026 11:05"
        }
    }

    /// `11:05`, `11:05:30`, `1:05 PM`.
    static func timeOfDay(_ text: String, text original: String) throws(Refused) -> (
        hour: Int, minute: Int, second: Int
    ) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pattern = #"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$"#
        guard trimmed.range(of: pattern, options: .regularExpression) != nil else {
            throw Refused("\"\(original)\" is not a time of day as hh:mm or hh:mm:ss")
        }
        let lower = trimmed.lowercased()
        let numbers = lower.split(whereSeparator: { ": apm".contains($0) }).compactMap { Int($0) }
        var hour = numbers[0]
        if lower.hasSuffix("pm") || lower.hasSuffix("am") {
            guard (1...12).contains(hour) else { throw Refused("\"\(original)\" is not a time of day") }
            hour = hour % 12 + (lower.hasSuffix("pm") ? 12 : 0)
        }
        let minute = numbers[1]
        let second = numbers.count > 2 ? numbers[2] : 0
        guard hour < 24, minute < 60, second < 60 else { throw Refused("\"\(original)\" is not a time of day") }
        return (hour, minute, second)
    }

    /// Whether a cell looks like a time of day (a time column nobody placed: a date alone would be sent as
    /// received at midnight).
    static func looksLikeTime(_ text: String) -> Bool {
        (try? timeOfDay(text, text: text)) != nil
    }

    /// A weight in a column whose unit is declared: thousands separators and a matching unit after the
    /// number are read (`8,460.000 kg`); another unit is refused.
    static func amount(_ text: String, unit: CSVMapping.WeightUnit) throws(Refused) -> Double {
        var plain = text.trimmingCharacters(in: .whitespaces)
        let letters = plain.reversed().prefix { $0.isLetter }
        if !letters.isEmpty {
            let suffix = String(letters.reversed()).lowercased()
            guard unit.suffixes.contains(suffix) else {
                throw Refused(
                    "\"\(text)\" says \(suffix), but this column's unit is declared as \(unit.rawValue); check the "
                        + "export or the mapping")
            }
            plain = String(plain.dropLast(letters.count)).trimmingCharacters(in: .whitespaces)
        }
        return try amount(plain)
    }

    /// A concentration as the API takes it (mg/kg); a percentage is converted (1% = 10,000 mg/kg). A limit
    /// (`<1%`) or a word (`Balance`) is not a value and is refused.
    static func concentration(_ text: String, entry: String) throws(Refused) -> Double {
        let value = text.trimmingCharacters(in: .whitespaces)
        let refusal =
            "\"\(entry)\": the API wants each concentration as a number of mg/kg (1% = 10,000 mg/kg); \"\(value)\" "
            + "is not one. Write the measured value, or leave the concentration out"
        if value.hasSuffix("%") {
            let number = value.dropLast().trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
            guard let percent = Double(number), percent.isFinite, percent > 0, percent <= 100,
                number.allSatisfy({ $0.isNumber || $0 == "." })
            else { throw Refused(refusal) }
            return (percent * 10_000 * 1_000).rounded() / 1_000
        }
        let number = value.replacingOccurrences(of: ",", with: "")
        let plain = number.lowercased().hasSuffix("mg/kg") ? String(number.dropLast(5)) : number
        guard let concentration = Double(plain.trimmingCharacters(in: .whitespaces)), concentration.isFinite,
            concentration > 0
        else { throw Refused(refusal) }
        return concentration
    }
}
