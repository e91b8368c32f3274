import Foundation

/// A weighbridge package's own export described for `ReceiptCSV` (`intake.mapping_file`, JSON or YAML):
/// what each of its columns means, what it leaves out on purpose, and values every movement or item gets.
/// The same mapping reads a CSV row, a flat JSON ticket and a one-ticket XML document (`TicketRecord`).
///
///     columns:
///       Ticket No: Your unique reference          # a template heading...
///       Net kg: wasteItems.weight.amount           # ...or the API path of a template column
///       Date In:                                   # the long form: a date with its order and time column
///         field: Date received
///         date_format: mm/dd/yyyy
///         time_column: Time In
///       Net:
///         field: Total weight of waste
///         unit: kg                                 # the cell may say "8,460.000 kg"
///       VEHICLENO: [Vehicle registration number (if by road)]   # a list: one heading, several fields
///     compose:
///       Your unique reference: "{VEHICLENO}-{Date In}-{Time In}"
///     item_groups:                                 # numbered column groups, one waste item each
///       numbers: [first, second, third]
///       columns:
///         "{n}WasteTypeEwcCode": EWC code
///     values:
///       Weight unit of measurement: Kilograms
///     ignore: [Price, Operator]
///     delimiter: ";"
///
/// The template's own headings are always recognised as well, so a file in Defra's layout needs no mapping.
/// Every other column must be placed (mapped, composed from, a time column) or listed under `ignore:`; a row
/// whose unplaced column holds data is refused naming it, never sent without it.
public struct CSVMapping: Sendable, Equatable {
    /// The order of a date's day, month and year as an export writes it.
    enum DateOrder: String, Sendable, Equatable, CaseIterable {
        case dayMonthYear = "dd/mm/yyyy"
        case monthDayYear = "mm/dd/yyyy"
        case yearMonthDay = "yyyy-mm-dd"

        /// `dd/mm/yyyy`, `MM-DD-YYYY`, `dd.mm.yyyy hh:mm`: the separators and a time part do not matter.
        init?(declared: String) {
            let compact = declared.lowercased().split(separator: " ").first.map(String.init) ?? ""
            let letters = compact.map { "/-.".contains($0) ? "/" : $0 }
            switch String(letters) {
            case "dd/mm/yyyy", "d/m/yyyy", "dd/mm/yy": self = .dayMonthYear
            case "mm/dd/yyyy", "m/d/yyyy", "mm/dd/yy": self = .monthDayYear
            case "yyyy/mm/dd": self = .yearMonthDay
            default: return nil
            }
        }
    }

    /// A weight column's unit, when the export puts it in the heading rather than in a column of its own.
    enum WeightUnit: String, Sendable, Equatable {
        case kilograms = "Kilograms"
        case tonnes = "Tonnes"

        /// The words people write for it, as the cell parser reads unit columns (`ReceiptCellParser.units`);
        /// grams are not offered for a weighbridge column.
        init?(declared: String) {
            guard let unit = ReceiptCellParser.units[declared.lowercased()].flatMap(Self.init(rawValue:)) else {
                return nil
            }
            self = unit
        }

        /// What a cell may say after the number (`8,460.000 kg`): any word for this unit.
        var suffixes: [String] { ReceiptCellParser.units.filter { $0.value == rawValue }.map(\.key) }
    }

    /// What one source heading means.
    struct Rule: Sendable, Equatable {
        var targets: [ReceiptColumn]
        var dateOrder: DateOrder?
        /// The comparable heading of the column that holds the date's time of day.
        var timeColumn: String?
        var unit: WeightUnit?
        /// Whether the date order is one the site declared (else the template's dd/mm/yyyy, or none).
        var declaredOrder = false
    }

    /// A value put together from cells: `"{VEHICLENO}-{Date In}"`.
    struct Composition: Sendable, Equatable {
        enum Part: Sendable, Equatable {
            case text(String)
            /// A source heading (comparable), with the heading as written in the mapping.
            case cell(String, written: String)
        }

        var parts: [Part]

        var headings: [String] {
            parts.compactMap { if case .cell(let key, _) = $0 { return key } else { return nil } }
        }
    }

    /// Numbered column groups (Defra's bulk layout: `firstWasteTypeEwcCode`, `secondWasteTypeEwcCode`...).
    struct ItemGroups: Sendable, Equatable {
        var numbers: [String]
        /// Comparable heading with its number filled in → the group's index and the rule.
        var columns: [String: (group: Int, rule: Rule)] = [:]
        var patterns: [String] = []

        static func == (a: ItemGroups, b: ItemGroups) -> Bool {
            a.numbers == b.numbers && a.patterns == b.patterns
        }
    }

    /// Column heading in the file (as compared by `ReceiptColumn.comparable`) → what it is.
    var columns: [String: Rule] = [:]
    /// Fixed cell text per column, used where a row leaves it empty.
    var values: [ReceiptColumn: String] = [:]
    var composed: [ReceiptColumn: Composition] = [:]
    /// Headings that hold nothing for Defra (price, operator...), comparable.
    var ignored: Set<String> = []
    var groups: ItemGroups?
    var delimiter: UInt8?
    public var path: String?

    public init() {}

    /// Every heading the mapping names as a source (mapped, composed from, a time column, a group's, ignored).
    var sourceHeadings: Set<String> {
        var names = Set(columns.keys).union(ignored)
        for rule in columns.values { if let time = rule.timeColumn { names.insert(time) } }
        for composition in composed.values { names.formUnion(composition.headings) }
        return names
    }

    /// Reads a mapping file; `key` names the setting in errors.
    public init(path: String, key: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: key, "cannot read \(path)")
        }
        try self.init(yaml: String(decoding: data, as: UTF8.self), path: path, key: key)
    }

    static let sections = ["columns", "values", "compose", "ignore", "item_groups", "delimiter"]

    /// A mapping from its text; `path` and `key` name it in errors.
    init(yaml text: String, path: String = "the mapping", key: String = "intake.mapping_file") throws {
        let parsed = try BoundedYAML.load(text, path: path, key: key)
        func fail(_ problem: String) -> ConfigError { ConfigError(key: key, "\(path): \(problem)") }
        guard let object = parsed as? [String: Any] else {
            throw ConfigError(key: key, "\(path) must hold a mapping with \(Self.sections.joined(separator: ":, ")):")
        }
        for unknown in object.keys.sorted() where !Self.sections.contains(unknown) {
            throw fail("unknown section \"\(unknown)\" (\(Self.sections.joined(separator: ", ")))")
        }
        self.path = path
        if let columns = object["columns"] {
            guard let columns = columns as? [String: Any] else {
                throw fail("columns: must map your headings to template columns")
            }
            for (heading, target) in columns.sorted(by: { $0.key < $1.key }) {
                self.columns[ReceiptColumn.comparable(heading)] = try Self.rule(
                    heading, target, section: "columns", fail: fail)
            }
        }
        if let groups = object["item_groups"] {
            self.groups = try Self.groups(groups, fail: fail)
        }
        if let ignore = object["ignore"] {
            guard let list = ignore as? [Any] else { throw fail("ignore: must be a list of headings") }
            ignored = Set(list.map { ReceiptColumn.comparable("\($0)") })
        }
        if let compose = object["compose"] {
            guard let compose = compose as? [String: Any] else {
                throw fail("compose: must map template columns to \"{Heading}-{Other heading}\" patterns")
            }
            for (name, pattern) in compose.sorted(by: { $0.key < $1.key }) {
                guard let column = ReceiptColumn.named(name), column.path != nil || column == .wasteTrackingID else {
                    throw fail("compose: \"\(name)\" is not a column of Defra's template")
                }
                composed[column] = try Self.composition("\(pattern)", for: name, fail: fail)
            }
        }
        if let values = object["values"] {
            guard let values = values as? [String: Any] else {
                throw fail("values: must map template columns to fixed values")
            }
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                guard let column = ReceiptColumn.named(name) else {
                    throw fail("values: \"\(name)\" is not a column of Defra's template")
                }
                guard column != .yourUniqueReference, column != .wasteTrackingID else {
                    throw fail("values: \"\(name)\" differs for every movement")
                }
                let text: String
                switch value {
                case let bool as Bool: text = bool ? "Yes" : "No"
                case let other: text = "\(other)"
                }
                do {
                    _ = try ReceiptCellParser.value(text, as: column.kind)
                } catch {
                    throw fail("values: \(name): \(error.reason)")
                }
                self.values[column] = text
            }
        }
        if let delimiter = object["delimiter"] {
            let text = (delimiter as? String) == "\\t" ? "\t" : (delimiter as? String ?? "")
            guard text.utf8.count == 1, let byte = text.utf8.first, byte != 0x22, byte != 0x0A, byte != 0x0D else {
                throw fail("delimiter: must be one character, e.g. \",\" \";\" or \"\\t\"")
            }
            self.delimiter = byte
        }
        try check(fail: fail)
    }

    /// A column's meaning from its short form (a target, a list of targets) or long form (an object).
    static func rule(_ heading: String, _ target: Any, section: String, fail: (String) -> ConfigError) throws
        -> Rule
    {
        func column(_ name: Any) throws -> ReceiptColumn {
            guard let name = name as? String, let column = ReceiptColumn.named(name) else {
                throw fail(
                    "\(section): \"\(heading)\" → \"\(name)\" is neither a heading of Defra's template nor the API "
                        + "path of one (e.g. \"Carrier registration number\" or carrier.registrationNumber)")
            }
            return column
        }
        var rule: Rule
        var options: [String: Any] = [:]
        switch target {
        case let name as String:
            rule = Rule(targets: [try column(name)])
        case let names as [Any]:
            rule = Rule(targets: try names.map(column))
        case let object as [String: Any]:
            options = object
            let fields = object["fields"] as? [Any] ?? (object["field"].map { [$0] } ?? [])
            rule = Rule(targets: try fields.map(column))
            for unknown in object.keys.sorted()
            where !["field", "fields", "date_format", "time_column", "unit"].contains(unknown) {
                throw fail(
                    "\(section): \"\(heading)\": unknown setting \"\(unknown)\" (field, fields, date_format, "
                        + "time_column, unit)")
            }
        default:
            throw fail("\(section): \"\(heading)\" must name a template column, a list of them, or field: ...")
        }
        guard !rule.targets.isEmpty else { throw fail("\(section): \"\(heading)\" names no field") }
        if let format = options["date_format"] {
            guard let order = DateOrder(declared: "\(format)") else {
                throw fail(
                    "\(section): \"\(heading)\": date_format \"\(format)\" cannot be read; use dd/mm/yyyy, "
                        + "mm/dd/yyyy or yyyy-mm-dd (a time after it is read either way)")
            }
            guard rule.targets.contains(.dateReceived) else {
                throw fail("\(section): \"\(heading)\": date_format is for a date column (Date received)")
            }
            rule.dateOrder = order
            rule.declaredOrder = true
        }
        if let time = options["time_column"] {
            guard rule.targets.contains(.dateReceived) else {
                throw fail("\(section): \"\(heading)\": time_column is for a date column (Date received)")
            }
            rule.timeColumn = ReceiptColumn.comparable("\(time)")
        }
        if let unit = options["unit"] {
            guard let parsed = WeightUnit(declared: "\(unit)") else {
                throw fail("\(section): \"\(heading)\": unit \"\(unit)\" is not kg or t")
            }
            guard rule.targets.contains(.weightAmount) else {
                throw fail(
                    "\(section): \"\(heading)\": unit is for a weight column (Total weight of waste), not "
                        + rule.targets.map(\.heading).joined(separator: ", "))
            }
            rule.unit = parsed
        }
        return rule
    }

    static func composition(_ pattern: String, for name: String, fail: (String) -> ConfigError) throws
        -> Composition
    {
        var parts: [Composition.Part] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw fail("compose: \(name): \"\(pattern)\" has a { without its }")
            }
            let heading = String(rest[rest.index(after: open)..<close])
            guard !heading.isEmpty else { throw fail("compose: \(name): \"\(pattern)\" has an empty {}") }
            parts.append(.cell(ReceiptColumn.comparable(heading), written: heading))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        let composition = Composition(parts: parts)
        guard !composition.headings.isEmpty else {
            throw fail("compose: \(name): \"\(pattern)\" names no column; put headings in {braces}")
        }
        return composition
    }

    static let ordinals = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    ]

    static func groups(_ value: Any, fail: (String) -> ConfigError) throws -> ItemGroups {
        guard let object = value as? [String: Any], let columns = object["columns"] as? [String: Any] else {
            throw fail(
                "item_groups: needs columns: with a {n} in each heading (and numbers:, first to tenth if left out)")
        }
        let numbers = (object["numbers"] as? [Any])?.map { "\($0)" } ?? ordinals
        guard !numbers.isEmpty else { throw fail("item_groups: numbers: is empty") }
        var groups = ItemGroups(numbers: numbers)
        for (pattern, target) in columns.sorted(by: { $0.key < $1.key }) {
            guard pattern.contains("{n}") else {
                throw fail("item_groups: \"\(pattern)\" has no {n} where the group's number goes")
            }
            let rule = try Self.rule(pattern, target, section: "item_groups", fail: fail)
            for target in rule.targets where target.level != .item {
                throw fail("item_groups: \"\(pattern)\" → \(target.heading) is not a waste-item column")
            }
            groups.patterns.append(pattern)
            for (index, number) in numbers.enumerated() {
                let heading = ReceiptColumn.comparable(pattern.replacingOccurrences(of: "{n}", with: number))
                groups.columns[heading] = (index, rule)
            }
        }
        return groups
    }

    /// What `check-config` refuses before a file is read: two headings filling one field, a time column
    /// that is also mapped, a composed field that a column fills too.
    func check(fail: (String) -> ConfigError) throws {
        var filledBy: [ReceiptColumn: String] = [:]
        for (heading, rule) in columns.sorted(by: { $0.key < $1.key }) {
            for target in rule.targets {
                if let other = filledBy[target] {
                    throw fail(
                        "columns: \"\(other)\" and \"\(heading)\" both fill \(target.heading); keep one (a heading "
                            + "may fill several fields, a field takes one heading)")
                }
                filledBy[target] = heading
            }
            if let time = rule.timeColumn, columns[time] != nil {
                throw fail("columns: \"\(time)\" is the time_column of \"\(heading)\" and mapped itself; keep one")
            }
        }
        for (column, _) in composed {
            if let heading = filledBy[column] {
                throw fail("compose: \(column.heading) is filled by column \"\(heading)\" too; keep one")
            }
            if values[column] != nil { throw fail("compose: \(column.heading) has a fixed value too; keep one") }
        }
        for heading in ignored where columns[heading] != nil {
            throw fail("ignore: \"\(heading)\" is mapped under columns: too; keep one")
        }
    }
}
