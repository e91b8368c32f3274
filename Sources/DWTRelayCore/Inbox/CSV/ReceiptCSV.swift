import Foundation

/// A CSV file in the layout of Defra's "Report receipt of waste" spreadsheet, as movement bodies.
///
/// A row may carry movement columns (sheet 7), waste-item columns (sheet 8) or both; rows with the same
/// "Your unique reference" make one movement, one waste item per row that has item columns. So both a
/// ticket export with one row per item (movement columns repeated) and the template's two sheets saved one
/// below the other, each under its own header row, work. A movement whose rows contradict each other or cannot be read is refused with
/// its rows, the column and the value; the other movements of the file still go through.
struct ReceiptCSV {
    struct Problem: Equatable {
        let row: Int
        let column: String?
        let reason: String
    }

    /// The rows of one reference: a movement body, or the problems that stop it.
    struct Movement {
        let reference: String
        var rows: [Int] = []
        var body: [String: Any] = [:]
        var items: [(row: Int, item: [String: Any])] = []
        var wasteTrackingID: String?
        var problems: [Problem] = []
        /// Row and column that gave each movement-level value, for "differs from row N".
        var givenAt: [ReceiptColumn: (row: Int, text: String)] = [:]
    }

    let table: CSVTable
    /// The header rows (one, or one per sheet when the template's two sheets are saved one below the other).
    private(set) var headers: [CSVTable.Record] = []
    /// The file's heading for each column it has (for refusals).
    private(set) var headings: [ReceiptColumn: String] = [:]
    /// Headings in the file that are not template columns and not mapped: not sent, and said so.
    private(set) var unusedHeadings: [String] = []
    var movements: [Movement] = []
    /// Rows that belong to no movement (no reference): refused on their own.
    var strayRows: [Problem] = []

    init(_ data: Data, mapping: CSVMapping) throws(IntakeRejection) {
        table = try CSVTable(data, delimiter: mapping.delimiter)
        func column(named heading: String) -> ReceiptColumn? {
            let key = ReceiptColumn.comparable(heading)
            return mapping.columns[key] ?? ReceiptColumn.named(key)
        }
        func isHeader(_ record: CSVTable.Record) -> Bool {
            record.fields.contains { column(named: $0) == .yourUniqueReference }
        }
        guard let headerIndex = table.records.prefix(20).firstIndex(where: isHeader) else {
            let first = table.records.first?.fields.prefix(6).map { "\"\($0)\"" }.joined(separator: ", ") ?? "nothing"
            throw IntakeRejection(
                field: ReceiptColumn.yourUniqueReference.heading,
                "no header row with a \"Your unique reference\" column in the first 20 rows (row 1 has \(first)); "
                    + "use the headings of Defra's receipt-of-waste template, or name your columns in "
                    + "intake.csv_mapping_file")
        }
        var columns: [ReceiptColumn?] = []
        var header = table.records[headerIndex]
        var skipUntil = 0
        var inPreamble = false
        var sawTitle = table.records[..<headerIndex].contains(where: Self.isTemplateTitle)
        var order: [String] = []
        var byReference: [String: Movement] = [:]
        for (index, record) in table.records.enumerated().dropFirst(headerIndex) {
            if isHeader(record) {
                inPreamble = false
                header = record
                columns = try resolve(record, column: column)
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
            guard let referenceIndex = columns.firstIndex(of: .yourUniqueReference),
                referenceIndex < record.fields.count,
                case let reference = record.fields[referenceIndex].trimmingCharacters(in: .whitespaces),
                !reference.isEmpty
            else {
                strayRows.append(
                    Problem(
                        row: record.row, column: ReceiptColumn.yourUniqueReference.heading,
                        reason: "is empty; every row needs the reference that links it to its movement"))
                continue
            }
            if byReference[reference] == nil {
                order.append(reference)
                byReference[reference] = Movement(reference: reference)
            }
            Self.add(record, columns: columns, header: header, to: &byReference[reference]!)
        }
        movements = order.map { reference in finish(byReference[reference]!, mapping: mapping) }
    }

    /// A sheet title of Defra's template, as its first cell: "Page 7: Waste movement level".
    static func isTemplateTitle(_ record: CSVTable.Record) -> Bool {
        guard let first = record.fields.first, first.hasPrefix("Page "), let colon = first.firstIndex(of: ":") else {
            return false
        }
        return Int(first[first.index(first.startIndex, offsetBy: 5)..<colon]) != nil
            && record.fields.dropFirst().allSatisfy { $0.isEmpty }
    }

    /// The column each field of a header row is; refuses a column given twice.
    private mutating func resolve(_ header: CSVTable.Record, column: (String) -> ReceiptColumn?)
        throws(IntakeRejection) -> [ReceiptColumn?]
    {
        var resolved: [ReceiptColumn?] = []
        var seen: [ReceiptColumn: String] = [:]
        for heading in header.fields {
            var found = column(heading)
            // The template heads both "source of components" columns alike: the second is the hazardous one.
            if found == .popSource, seen[.popSource] != nil { found = .hazardousSource }
            if let found, let earlier = seen[found] {
                throw IntakeRejection(
                    field: heading,
                    "row \(header.row): columns \"\(earlier)\" and \"\(heading)\" are both \(found.heading); keep one")
            }
            if let found {
                seen[found] = heading
                if headings[found] == nil { headings[found] = heading }
            } else if !heading.trimmingCharacters(in: .whitespaces).isEmpty,
                !ReceiptColumn.ignoredHeadings.contains(ReceiptColumn.comparable(heading)),
                !unusedHeadings.contains(heading)
            {
                unusedHeadings.append(heading)
            }
            resolved.append(found)
        }
        return resolved
    }

    private static func add(
        _ record: CSVTable.Record, columns: [ReceiptColumn?], header: CSVTable.Record, to movement: inout Movement
    ) {
        movement.rows.append(record.row)
        // A row cut short (a lost delimiter, a line broken by hand) would send its last columns as empty.
        let missing = columns.indices.dropFirst(record.fields.count).filter { columns[$0] != nil }
        if !missing.isEmpty {
            let names = missing.prefix(5).map { "\"\(header.fields[$0])\"" }.joined(separator: ", ")
            movement.problems.append(
                Problem(
                    row: record.row, column: header.fields[missing[0]],
                    reason: "the row has \(record.fields.count) cells but its heading row has \(header.fields.count): "
                        + "no cell under \(names)\(missing.count > 5 ? " and \(missing.count - 5) more" : ""). Check "
                        + "the row for a missing delimiter, correct it and drop the file again"))
            return
        }
        var item: [String: Any] = [:]
        var hasItem = false
        for (index, column) in columns.enumerated() {
            guard let column, index < record.fields.count else { continue }
            let text = record.fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            if column.level == .item { hasItem = true }
            let value: Any
            do {
                value = try ReceiptCellParser.value(text, as: column.kind)
            } catch {
                movement.problems.append(Problem(row: record.row, column: header.fields[index], reason: error.reason))
                continue
            }
            switch column.level {
            case .item:
                set(value, at: column.path!, in: &item)
            case .movement:
                if let earlier = movement.givenAt[column] {
                    if earlier.text != text {
                        movement.problems.append(
                            Problem(
                                row: record.row, column: header.fields[index],
                                reason: "\"\(text)\" differs from \"\(earlier.text)\" on row \(earlier.row) "
                                    + "for the same reference; a movement has one \(column.heading)"))
                    }
                    continue
                }
                movement.givenAt[column] = (record.row, text)
                if column == .wasteTrackingID {
                    guard WasteTrackingID(text) != nil else {
                        movement.problems.append(
                            Problem(
                                row: record.row, column: header.fields[index],
                                reason: "\"\(text)\" is not a waste tracking ID (two digits, six letters or digits)"))
                        continue
                    }
                    movement.wasteTrackingID = text
                } else {
                    set(value, at: column.path!, in: &movement.body)
                }
            }
        }
        if hasItem { movement.items.append((record.row, item)) }
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
        for (row, var item) in movement.items {
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
                                row: row, column: ReceiptColumn.disposalCodes.heading,
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
                    row: movement.rows[0], column: ReceiptColumn.yourUniqueReference.heading,
                    reason: "no movement row for reference \"\(movement.reference)\" (site, date received, "
                        + "carrier...): waste items need the movement they belong to"))
        }
        if items.isEmpty {
            movement.problems.append(
                Problem(
                    row: movement.rows[0], column: ReceiptColumn.ewcCodes.heading,
                    reason: "no waste item for reference \"\(movement.reference)\": give EWC code, description, "
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
        if parts.first == "wasteItems" {
            level = .item
            path = Array(parts.dropFirst())
            if let index = path.first.flatMap(Int.init) {
                if index < movement.items.count { row = movement.items[index].row }
                path = Array(path.dropFirst())
            }
        }
        let column = ReceiptColumn.allCases.first { candidate in
            guard candidate.level == level, let candidatePath = candidate.path else { return false }
            return path.starts(with: candidatePath) || (candidatePath.starts(with: path) && !path.isEmpty)
        }
        guard let column else { return (row, nil) }
        return (row, headings[column] ?? column.heading)
    }

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
