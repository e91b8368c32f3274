import Foundation

/// One cell's text as the API's value, the way Defra's spreadsheet importer reads the template (its
/// `parsers.js`: `;`-separated lists, `name = value` pairs, `Estimate`/`Actual`, `[TAN] Tanker` container
/// picks, `HP5` hazard codes, `D09 = 10,000 = kg = Estimate` disposal codes), except that a value it cannot
/// read is refused with the reason instead of being passed on for the service to reject.
enum ReceiptCellParser {
    struct Refused: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func value(_ text: String, as kind: ReceiptColumn.ValueKind) throws(Refused) -> Any {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch kind {
        case .text, .wasteTrackingID:
            return text
        case .titleCase:
            return text.lowercased().split(separator: " ", omittingEmptySubsequences: true)
                .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        case .weightUnit:
            if let unit = units[text.lowercased()] { return unit }
            return try value(text, as: .titleCase)
        case .londonDateTime:
            return try londonDateTime(text)
        case .wholeNumber:
            guard let number = Int(text.replacingOccurrences(of: ",", with: "")), number >= 0 else {
                throw Refused("\"\(text)\" is not a whole number")
            }
            return number
        case .amount:
            return try amount(text)
        case .yesNo:
            guard let answer = yesNo(text) else { throw Refused("\"\(text)\" is not Yes or No") }
            return answer
        case .estimate:
            guard let answer = estimate(text) else {
                throw Refused("\"\(text)\" is not Estimate or Actual (Yes or No)")
            }
            return answer
        case .ewcCodes:
            let codes = list(text).map { $0.filter(\.isNumber) }.filter { !$0.isEmpty }
            guard !codes.isEmpty else { throw Refused("\"\(text)\" holds no EWC code") }
            return codes
        case .statementNumbers:
            return try list(text).map { (item: String) throws(Refused) -> Int in
                guard let number = Int(item), number > 0 else {
                    throw Refused("\"\(item)\" is not a regulatory position statement number")
                }
                return number
            }
        case .containerCode:
            // The template's pick list writes "[TAN] Tanker/Tank"; the API wants "TAN".
            let upper = text.uppercased()
            if upper.hasPrefix("["), let close = upper.firstIndex(of: "]") {
                return String(upper[upper.index(after: upper.startIndex)..<close])
            }
            return upper
        case .hazCodes:
            return list(text).map { code -> String in
                let compact = code.uppercased().replacingOccurrences(of: " ", with: "")
                guard compact.hasPrefix("HP"), let number = Int(compact.dropFirst(2).drop { $0 == "_" || $0 == "0" })
                else { return code }
                return "HP_\(number)"
            }
        case .popComponents:
            return try pairs(text, name: "code")
        case .hazardousComponents:
            return try pairs(text, name: "name")
        case .disposalCodes:
            return try disposalCodes(text)
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == ";" || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func yesNo(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "y", "yes", "true", "true()", "1": return true
        case "n", "no", "false", "false()", "0": return false
        default: return nil
        }
    }

    static func estimate(_ text: String) -> Bool? {
        switch text.lowercased() {
        // EstimateData and ActualData are how Defra's bulk upload writes them.
        case "estimate", "estimated", "est", "estimatedata": return true
        case "actual", "act", "actualdata": return false
        default: return yesNo(text)
        }
    }

    /// A weight: digits with an optional decimal point and thousands commas (`10,000.5`). A unit in the cell
    /// (`2.5t`) is refused: the unit has its own column.
    static func amount(_ text: String) throws(Refused) -> Double {
        let plain = text.replacingOccurrences(of: ",", with: "")
        guard let number = Double(plain), number.isFinite, number >= 0,
            plain.allSatisfy({ $0.isNumber || $0 == "." })
        else {
            throw Refused("\"\(text)\" is not a number; write the number alone (2.5) and the unit in its own column")
        }
        return number
    }

    /// `ALD = 50; PCDD_PCDF = 25` → `[{code: ALD, concentration: 50}, ...]` (`name` for hazardous components).
    static func pairs(_ text: String, name key: String) throws(Refused) -> [[String: Any]] {
        try text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { (entry: String) throws(Refused) -> [String: Any] in
                let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let label = parts.first, !label.isEmpty else { throw Refused("\"\(entry)\" has no name") }
                guard parts.count == 2, !parts[1].isEmpty else { return [key: label] }
                return [key: label, "concentration": try concentration(parts[1], entry: entry)]
            }
    }

    /// `D09 = 10,000 = kg = Estimate; R13` → codes with their weights. A code alone is filled in with the
    /// whole item's weight by the caller (`wholeItem` in the result).
    /// Units as people write them, to the API's (`kg` → `Kilograms`).
    static let units = [
        "g": "Grams", "gram": "Grams", "grams": "Grams", "kg": "Kilograms", "kgs": "Kilograms",
        "kilogram": "Kilograms", "kilograms": "Kilograms", "t": "Tonnes", "tonne": "Tonnes", "tonnes": "Tonnes",
    ]

    static func disposalCodes(_ text: String) throws(Refused) -> [[String: Any]] {
        return try text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { (entry: String) throws(Refused) -> [String: Any] in
                let parts = entry.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                let raw = parts[0].uppercased().replacingOccurrences(of: " ", with: "")
                guard let letter = raw.first, letter == "D" || letter == "R", let number = Int(raw.dropFirst()) else {
                    throw Refused("\"\(parts[0])\" is not a disposal (D1–D15) or recovery (R1–R13) code")
                }
                let code = "\(letter)\(number)"
                if parts.count == 1 { return ["code": code, "wholeItem": true] }
                guard parts.count == 4 else {
                    throw Refused(
                        "\"\(entry)\" must be CODE = weight = unit = Estimate or Actual (e.g. R13 = 75 = kg = Actual)")
                }
                guard let metric = units[parts[2].lowercased()] else {
                    throw Refused("\"\(entry)\": the unit \"\(parts[2])\" is not kg, g or t")
                }
                guard let isEstimate = estimate(parts[3]) else {
                    throw Refused("\"\(entry)\": \"\(parts[3])\" is not Estimate or Actual")
                }
                return [
                    "code": code,
                    "weight": ["metric": metric, "amount": try amount(parts[1]), "isEstimate": isEstimate],
                ]
            }
    }

    /// The template's `dd/mm/yyyy hh:mm[:ss]` in UK time (or an ISO 8601 time) as UTC. A UK time the
    /// clocks skip or pass twice is refused (`TypedInputNormaliser.localToUTC` decides both forms).
    static func londonDateTime(_ text: String) throws(Refused) -> String {
        let pattern = #"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"#
        var iso = text
        let isTemplateForm = text.range(of: pattern, options: .regularExpression) != nil
        if isTemplateForm {
            let numbers = text.split(whereSeparator: { "/ :T".contains($0) }).compactMap { Int($0) }
            let (day, month, year) = (numbers[0], numbers[1], numbers[2])
            let hour = numbers.count > 3 ? numbers[3] : 0
            let minute = numbers.count > 4 ? numbers[4] : 0
            let second = numbers.count > 5 ? numbers[5] : 0
            iso = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
        }
        do {
            if let utc = try TypedInputNormaliser.localToUTC(iso) { return utc }
        } catch {
            throw Refused(error.reason.replacingOccurrences(of: "\"\(iso)\"", with: "\"\(text)\""))
        }
        if !isTemplateForm, iso.contains("T"), ISO8601.parse(iso) != nil { return iso }
        throw Refused("\"\(text)\" is not a date and time as dd/mm/yyyy hh:mm:ss (UK time), e.g. 14/01/2026 11:05:00")
    }
}
