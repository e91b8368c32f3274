import Foundation

/// A CSV file in the layout of Defra's "Report receipt of waste" spreadsheet, as movement bodies.
///
/// A row may carry movement columns (sheet 7), waste-item columns (sheet 8) or both; rows with the same
/// "Your unique reference" make one movement, one waste item per row that has item columns. So both a
/// ticket export with one row per item (movement columns repeated) and the template's two sheets saved one
/// below the other, each under its own header row, work. A movement whose rows contradict each other or cannot be read is refused with
/// its rows, the column and the value; the other movements of the file still go through.
struct ReceiptCSV: Sendable {
    struct Problem: Equatable, Sendable {
        let row: Int
        /// The site's heading; nil for a problem of the whole movement.
        let column: String?
        let reason: String
    }

    /// The rows of one reference: a movement body, or the problems that stop it.
    struct Movement {
        let reference: String
        var rows: [Int] = []
        var body: [String: Any] = [:]
        /// Each waste item with its row, and its group's index for numbered column groups.
        var items: [(row: Int, item: [String: Any], group: Int?)] = []
        var wasteTrackingID: String?
        var problems: [Problem] = []
        /// Row and column that gave each movement-level value, for "differs from row N".
        var givenAt: [ReceiptColumn: (row: Int, text: String)] = [:]
        /// How values were read (a declared date order, a percentage converted): recorded on the movement.
        var notes: [String] = []
    }

    /// What a source column is, by its heading under the mapping.
    enum Placement: Sendable {
        /// Fills these fields (a mapped heading, or the template's own).
        case field(CSVMapping.Rule)
        /// A numbered group's column: fills a field of waste item `group`.
        case group(Int, CSVMapping.Rule)
        /// Read by another rule: a date's time column, or a part of a composed value.
        case consumed
        /// Listed under `ignore:`, or the template's own error column.
        case ignored
        /// Nobody said what it is: a row that has data here is refused naming it.
        case unplaced(String)
    }

    let table: CSVTable
    let mapping: CSVMapping
    /// The header rows (one, or one per sheet when the template's two sheets are saved one below the other).
    private(set) var headers: [CSVTable.Record] = []
    /// The file's heading for each column it has (for refusals), and per numbered group.
    private(set) var headings: [ReceiptColumn: String] = [:]
    private(set) var groupHeadings: [Int: [ReceiptColumn: String]] = [:]
    /// Headings the mapping ignores, as the file writes them (said on every movement, for the record).
    private(set) var ignoredHeadings: [String] = []
    /// Each movement's records (by index in `table`) with the sheet they are under, in the order the file
    /// first names each reference. A movement is built from them when asked for (`movement(_:)`), so a large
    /// file is turned into bodies a slice at a time.
    private(set) var groups: [Group] = []
    private var sheets: [Sheet] = []
    /// Rows that belong to no movement (no reference): refused on their own.
    var strayRows: [Problem] = []

    struct Group: Sendable {
        let reference: String
        var members: [(record: Int, sheet: Int)] = []
    }

    init(_ data: Data, mapping: CSVMapping) throws(IntakeRejection) {
        table = try CSVTable(data, delimiter: mapping.delimiter)
        self.mapping = mapping
        let referenceParts = Set(mapping.composed[.yourUniqueReference]?.headings ?? [])
        // Asked of every row (a second sheet has its own heading row): no set is built unless a composed
        // reference needs one.
        func isHeader(_ record: CSVTable.Record) -> Bool {
            if !referenceParts.isEmpty, referenceParts.isSubset(of: Set(record.fields.map(ReceiptColumn.comparable))) {
                return true
            }
            return record.fields.contains { field in
                let name = ReceiptColumn.comparable(field)
                if let rule = mapping.columns[name] { return rule.targets.contains(.yourUniqueReference) }
                return ReceiptColumn.named(name) == .yourUniqueReference
            }
        }
        let table = self.table
        guard let headerIndex = (0..<min(20, table.count)).first(where: { isHeader(table.record($0)) }) else {
            let first =
                table.count == 0
                ? "nothing" : table.record(0).fields.prefix(6).map { "\"\($0)\"" }.joined(separator: ", ")
            throw IntakeRejection(
                field: ReceiptColumn.yourUniqueReference.heading,
                "no header row with a \"Your unique reference\" column in the first 20 rows (row 1 has \(first)); "
                    + "use the headings of Defra's receipt-of-waste template, or name your columns in "
                    + "intake.mapping_file")
        }
        sheets = []
        var skipUntil = 0
        var inPreamble = false
        var sawTitle = (0..<headerIndex).contains { Self.isTemplateTitle(table.record($0)) }
        var byReference: [String: Int] = [:]
        for index in headerIndex..<table.count {
            let record = table.record(index)
            if isHeader(record) {
                inPreamble = false
                sheets.append(Sheet(header: record, placements: try resolve(record)))
                headers.append(record)
                // Defra's template has two rows of guidance under its headings ("Page 7: ..." above them).
                skipUntil = index + 1 + (sawTitle ? 2 : 0)
                sawTitle = false
                continue
            }
            // The next sheet's title ("Page 8: Waste item level") and notes, down to its header row.
            if Self.isTemplateTitle(record) {
                inPreamble = true
                sawTitle = true
            }
            if inPreamble || index < skipUntil || record.isBlank { continue }
            let sheet = sheets[sheets.count - 1]
            guard let reference = sheet.reference(of: record, composed: mapping.composed[.yourUniqueReference]) else {
                strayRows.append(
                    Problem(
                        row: record.row, column: sheet.referenceHeading,
                        reason: "is empty; every row needs the reference that links it to its movement"))
                continue
            }
            let group = byReference[reference] ?? groups.count
            if group == groups.count {
                byReference[reference] = group
                groups.append(Group(reference: reference))
            }
            groups[group].members.append((index, sheets.count - 1))
        }
    }

    /// The movement of `groups[index]`, its rows read again from the file and checked together.
    func movement(_ index: Int) -> Movement {
        var movement = Movement(reference: groups[index].reference)
        for (record, sheet) in groups[index].members { add(table.record(record), sheet: sheets[sheet], to: &movement) }
        return finish(movement, mapping: mapping)
    }

    /// Every movement of the file (a small file, a ticket, `try-mapping`).
    var movements: [Movement] { groups.indices.map(movement) }

    /// A header row and what each of its columns is.
    struct Sheet: Sendable {
        let header: CSVTable.Record
        let placements: [Placement]
        /// Comparable heading → its column index (made once per heading row, read for every row).
        let index: [String: Int]

        init(header: CSVTable.Record, placements: [Placement]) {
            self.header = header
            self.placements = placements
            index = Dictionary(
                header.fields.enumerated().map { (ReceiptColumn.comparable($0.element), $0.offset) },
                uniquingKeysWith: { first, _ in first })
        }

        var referenceIndex: Int? {
            placements.firstIndex {
                if case .field(let rule) = $0 { return rule.targets.contains(.yourUniqueReference) }
                return false
            }
        }

        var referenceHeading: String {
            referenceIndex.map { header.fields[$0] } ?? ReceiptColumn.yourUniqueReference.heading
        }

        func cell(_ record: CSVTable.Record, _ index: Int) -> String {
            index < record.fields.count ? record.fields[index].trimmingCharacters(in: .whitespacesAndNewlines) : ""
        }

        /// The row's reference: its reference column, or the composed one (nil when empty).
        func reference(of record: CSVTable.Record, composed: CSVMapping.Composition?) -> String? {
            if let referenceIndex {
                let text = cell(record, referenceIndex)
                return text.isEmpty ? nil : text
            }
            guard let composed else { return nil }
            let columns = index
            var text = ""
            for part in composed.parts {
                switch part {
                case .text(let literal): text += literal
                case .cell(let key, _):
                    guard let column = columns[key], case let value = cell(record, column), !value.isEmpty else {
                        return nil
                    }
                    text += value
                }
            }
            return text
        }
    }

    /// A sheet title of Defra's template, as its first cell: "Page 7: Waste movement level".
    static func isTemplateTitle(_ record: CSVTable.Record) -> Bool {
        guard let first = record.fields.first, first.hasPrefix("Page "), let colon = first.firstIndex(of: ":") else {
            return false
        }
        return Int(first[first.index(first.startIndex, offsetBy: 5)..<colon]) != nil
            && record.fields.dropFirst().allSatisfy { $0.isEmpty }
    }

    /// What each field of a header row is; refuses a field two headings fill.
    private mutating func resolve(_ header: CSVTable.Record) throws(IntakeRejection) -> [Placement] {
        var resolved: [Placement] = []
        var seen: [String: String] = [:]  // "group:column" → heading
        var consumed = mapping.sourceHeadings.subtracting(mapping.columns.keys).subtracting(mapping.ignored)
        // The template's later layout has "Time received" beside "Date received": the date's time of day.
        let keys = Set(header.fields.map(ReceiptColumn.comparable))
        let templateTime = ReceiptColumn.comparable("Time received")
        let timeReceived =
            keys.contains(templateTime) && mapping.columns[templateTime] == nil
                && !mapping.ignored.contains(templateTime) ? templateTime : nil
        if let timeReceived { consumed.insert(timeReceived) }
        for (position, heading) in header.fields.enumerated() {
            let key = ReceiptColumn.comparable(heading)
            var placement: Placement
            if let rule = mapping.columns[key] {
                placement = .field(rule)
            } else if let grouped = mapping.groups?.columns[key] {
                placement = .group(grouped.group, grouped.rule)
            } else if var column = ReceiptColumn.named(key) {
                // The template heads both "source of components" columns alike: the second is the hazardous one.
                if column == .popSource, seen["-:\(ReceiptColumn.popSource)"] != nil { column = .hazardousSource }
                placement = .field(
                    CSVMapping.Rule(
                        targets: [column], dateOrder: column == .dateReceived ? .dayMonthYear : nil,
                        timeColumn: column == .dateReceived ? timeReceived : nil))
            } else if consumed.contains(key) {
                placement = .consumed
            } else if mapping.ignored.contains(key) || ReceiptColumn.ignoredHeadings.contains(key) {
                placement = .ignored
                if mapping.ignored.contains(key), !ignoredHeadings.contains(heading) { ignoredHeadings.append(heading) }
            } else if key.isEmpty {
                placement = .unplaced("column \(position + 1) (no heading)")
            } else {
                placement = .unplaced(heading)
            }
            // A field takes one heading (per numbered group): two would each claim it.
            let filled: (group: Int?, rule: CSVMapping.Rule)?
            switch placement {
            case .field(let rule): filled = (nil, rule)
            case .group(let number, let rule): filled = (number, rule)
            default: filled = nil
            }
            for target in filled?.rule.targets ?? [] {
                let slot = "\(filled?.group.map(String.init) ?? "-"):\(target)"
                if let earlier = seen[slot] {
                    throw IntakeRejection(
                        field: heading,
                        "row \(header.row): columns \"\(earlier)\" and \"\(heading)\" are both \(target.heading); keep one"
                    )
                }
                seen[slot] = heading
                if let group = filled?.group {
                    groupHeadings[group, default: [:]][target] = heading
                } else if headings[target] == nil {
                    headings[target] = heading
                }
            }
            resolved.append(placement)
        }
        return resolved
    }

    /// Fixed values, whole-item disposal codes, then the items into the body.
    private func finish(_ movement: Movement, mapping: CSVMapping) -> Movement {
        var movement = movement
        for (column, text) in mapping.values {
            guard let path = column.path, let value = try? ReceiptCellParser.value(text, as: column.kind) else {
                continue
            }
            if column.level == .movement, movement.givenAt[column] == nil {
                Self.set(value, at: path, in: &movement.body)
            }
        }
        var items: [[String: Any]] = []
        for (row, var item, group) in movement.items {
            if let declared = item.removeValue(forKey: Self.declaredUnitKey) as? String {
                let given = (item["weight"] as? [String: Any])?["metric"] as? String
                if let given, given != declared {
                    movement.problems.append(
                        Problem(
                            row: row, column: heading(.weightUnit, group: group),
                            reason: "\"\(given)\" differs from the unit the weight column is declared in (\(declared))")
                    )
                } else if given == nil {
                    var weight = item["weight"] as? [String: Any] ?? [:]
                    weight["metric"] = declared
                    item["weight"] = weight
                }
            }
            for (column, text) in mapping.values where column.level == .item {
                guard let path = column.path, Self.get(path, in: item) == nil,
                    let value = try? ReceiptCellParser.value(text, as: column.kind)
                else { continue }
                Self.set(value, at: path, in: &item)
            }
            if var codes = item["disposalOrRecoveryCodes"] as? [[String: Any]] {
                for index in codes.indices where codes[index]["wholeItem"] != nil {
                    codes[index]["wholeItem"] = nil
                    guard let weight = item["weight"] else {
                        movement.problems.append(
                            Problem(
                                row: row, column: heading(.disposalCodes, group: group),
                                reason: "\(codes[index]["code"] ?? "") has no weight and the item has none to give it; "
                                    + "write CODE = weight = unit = Estimate or Actual"))
                        continue
                    }
                    codes[index]["weight"] = weight
                }
                item["disposalOrRecoveryCodes"] = codes
            }
            items.append(item)
        }
        if movement.givenAt.keys.allSatisfy({ $0 == .yourUniqueReference || $0 == .wasteTrackingID }) {
            movement.problems.append(
                Problem(
                    row: movement.rows[0], column: nil,
                    reason: "no movement row for reference \"\(movement.reference)\" (site, date received, "
                        + "carrier...): waste items need the movement they belong to"))
        }
        if items.isEmpty {
            movement.problems.append(
                Problem(
                    row: movement.rows[0], column: nil,
                    reason: "the movement \"\(movement.reference)\" has no waste item: give EWC code, description, "
                        + "weight... on its row or on rows with the same reference"))
        }
        movement.body["wasteItems"] = items
        return movement
    }

    /// The column and row a validation key (`wasteItems.1.weight.amount`) points at, for refusals.
    func locate(_ key: String, in movement: Movement) -> (row: Int, column: String?) {
        let parts = key.split(separator: ".").map(String.init)
        var row = movement.rows.first ?? 0
        var path = parts
        var level = ReceiptColumn.Level.movement
        var group: Int?
        if parts.first == "wasteItems" {
            level = .item
            path = Array(parts.dropFirst())
            if let index = path.first.flatMap(Int.init) {
                if index < movement.items.count {
                    row = movement.items[index].row
                    group = movement.items[index].group
                }
                path = Array(path.dropFirst())
            }
        }
        let column = ReceiptColumn.allCases.first { candidate in
            guard candidate.level == level, let candidatePath = candidate.path else { return false }
            return path.starts(with: candidatePath) || (candidatePath.starts(with: path) && !path.isEmpty)
        }
        // A field the file has no column for is a gap of the whole movement, not of some cell.
        guard let column, let written = heading(column, group: group, orTemplate: false) else { return (row, nil) }
        return (row, written)
    }

    /// The site's heading for a column (of a numbered group when `group` is given); the template's own
    /// heading when the file has none and `orTemplate`.
    func heading(_ column: ReceiptColumn, group: Int?, orTemplate: Bool = true) -> String? {
        if let group, let written = groupHeadings[group]?[column] { return written }
        return headings[column] ?? (orTemplate ? column.heading : nil)
    }

    /// Where a weight's declared unit waits in an item until `finish` checks it against a unit column.
    static let declaredUnitKey = "\u{0}declaredUnit"

    static func set(_ value: Any, at path: [String], in object: inout [String: Any]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var inner = object[first] as? [String: Any] ?? [:]
        set(value, at: Array(path.dropFirst()), in: &inner)
        object[first] = inner
    }

    static func get(_ path: [String], in object: [String: Any]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}
