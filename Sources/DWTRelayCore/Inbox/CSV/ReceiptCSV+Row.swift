import Foundation

/// One row's cells into its movement: every cell is placed (a field, a numbered group's item, another
/// rule's part) or ignored by the mapping; a row whose cell nobody placed holds data is refused naming it.
extension ReceiptCSV {
    func add(_ record: CSVTable.Record, sheet: Sheet, to movement: inout Movement) {
        movement.rows.append(record.row)
        let header = sheet.header
        // A row cut short (a lost delimiter, a line broken by hand) would send its last columns as empty.
        let missing = sheet.placements.indices.dropFirst(record.fields.count).filter {
            switch sheet.placements[$0] {
            case .field, .group, .consumed: return true
            case .ignored, .unplaced: return false
            }
        }
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
        var unplaced: [(heading: String, text: String)] = []
        var row = RowValues(record: record.row)
        let columns = sheet.index
        for (index, placement) in sheet.placements.enumerated() {
            let text = sheet.cell(record, index)
            guard !text.isEmpty else { continue }
            switch placement {
            case .unplaced(let heading):
                unplaced.append((heading, text))
            case .ignored, .consumed:
                continue
            case .field(let rule):
                for target in rule.targets {
                    place(
                        text, as: target, rule: rule, heading: header.fields[index], group: nil, record: record,
                        sheet: sheet, columns: columns, into: &row, movement: &movement)
                }
            case .group(let number, let rule):
                for target in rule.targets {
                    place(
                        text, as: target, rule: rule, heading: header.fields[index], group: number, record: record,
                        sheet: sheet, columns: columns, into: &row, movement: &movement)
                }
            }
        }
        if !unplaced.isEmpty {
            let listed = unplaced.prefix(5).map { "\"\($0.heading)\" (\"\($0.text.prefix(40))\")" }
                .joined(separator: ", ")
            movement.problems.append(
                Problem(
                    row: record.row, column: unplaced[0].heading,
                    reason: "\(unplaced.count == 1 ? "a column" : "\(unplaced.count) columns") that no mapping "
                        + "places \(unplaced.count == 1 ? "holds" : "hold") data: \(listed). Nothing a ticket holds "
                        + "is dropped without a word: map \(unplaced.count == 1 ? "it" : "them") under columns: in "
                        + "intake.mapping_file, or list \(unplaced.count == 1 ? "it" : "them") under ignore: if "
                        + "not part of the record"))
        }
        for (column, composition) in mapping.composed.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            var text = ""
            var gap: String?
            for part in composition.parts {
                switch part {
                case .text(let literal): text += literal
                case .cell(let key, let written):
                    let value = columns[key].map { sheet.cell(record, $0) } ?? ""
                    if value.isEmpty, gap == nil { gap = written }
                    text += value
                }
            }
            if let gap {
                movement.problems.append(
                    Problem(
                        row: record.row, column: gap,
                        reason: "is empty, and \(column.heading) is made from it (compose: in the mapping)"))
                continue
            }
            place(
                text, as: column, rule: CSVMapping.Rule(targets: [column]), heading: column.heading, group: nil,
                record: record, sheet: sheet, columns: columns, into: &row, movement: &movement)
            if column == .yourUniqueReference { movement.notes.append("reference composed as \"\(text)\"") }
        }
        if row.hasItem { movement.items.append((record.row, row.item, nil)) }
        for number in row.groups.keys.sorted() {
            movement.items.append((record.row, row.groups[number]!, number))
        }
    }

    /// The items a row fills.
    struct RowValues {
        let record: Int
        var item: [String: Any] = [:]
        var hasItem = false
        var groups: [Int: [String: Any]] = [:]
    }

    /// One cell's value for one field.
    private func place(
        _ text: String, as column: ReceiptColumn, rule: CSVMapping.Rule, heading: String, group: Int?,
        record: CSVTable.Record, sheet: Sheet, columns: [String: Int], into row: inout RowValues,
        movement: inout Movement
    ) {
        let value: Any
        do throws(ReceiptCellParser.Refused) {
            switch column {
            case .dateReceived:
                let time = rule.timeColumn.flatMap { key in
                    columns[key].map { (sheet.header.fields[$0], sheet.cell(record, $0)) }
                }
                let read = try ReceiptCellParser.receivedDate(
                    text, order: rule.dateOrder, declared: rule.declaredOrder, time: time)
                if !read.hadTime, let clock = timeNobodyPlaced(record, sheet: sheet) {
                    throw ReceiptCellParser.Refused(
                        "\"\(text)\" has no time of day, and column \"\(clock.heading)\" holds \"\(clock.text)\": "
                            + "name it as this date's time_column in intake.mapping_file (else the load would be "
                            + "sent as received at 00:00)")
                }
                if let reading = read.reading { movement.notes.append("\(heading): \(reading)") }
                value = read.utc
            case .weightAmount where rule.unit != nil:
                value = try ReceiptCellParser.amount(text, unit: rule.unit!)
                set(rule.unit!.rawValue, at: [Self.declaredUnitKey], group: group, in: &row)
            case .popComponents, .hazardousComponents:
                value = try ReceiptCellParser.value(text, as: column.kind)
                if text.contains("%") {
                    movement.notes.append("\(heading): concentrations in % converted to mg/kg (1% = 10,000 mg/kg)")
                }
            default:
                value = try ReceiptCellParser.value(text, as: column.kind)
            }
        } catch {
            movement.problems.append(Problem(row: record.row, column: heading, reason: error.reason))
            return
        }
        switch column.level {
        case .item:
            set(value, at: column.path!, group: group, in: &row)
        case .movement:
            if let earlier = movement.givenAt[column] {
                if earlier.text != text {
                    movement.problems.append(
                        Problem(
                            row: record.row, column: heading,
                            reason: "\"\(text)\" differs from \"\(earlier.text)\" on row \(earlier.row) "
                                + "for the same reference; a movement has one \(column.heading)"))
                }
                return
            }
            movement.givenAt[column] = (record.row, text)
            if column == .wasteTrackingID {
                guard WasteTrackingID(text) != nil else {
                    movement.problems.append(
                        Problem(
                            row: record.row, column: heading,
                            reason: "\"\(text)\" is not a waste tracking ID (two digits, six letters or digits)"))
                    return
                }
                movement.wasteTrackingID = text
            } else {
                Self.set(value, at: column.path!, in: &movement.body)
            }
        }
    }

    private func set(_ value: Any, at path: [String], group: Int?, in row: inout RowValues) {
        if let group {
            Self.set(value, at: path, in: &row.groups[group, default: [:]])
        } else {
            row.hasItem = row.hasItem || path != [Self.declaredUnitKey]
            Self.set(value, at: path, in: &row.item)
        }
    }

    /// A cell under a column nobody placed (or one ignored) that holds a time of day.
    private func timeNobodyPlaced(_ record: CSVTable.Record, sheet: Sheet) -> (heading: String, text: String)? {
        for (index, placement) in sheet.placements.enumerated() {
            switch placement {
            case .unplaced, .ignored:
                let text = sheet.cell(record, index)
                if ReceiptCellParser.looksLikeTime(text) { return (sheet.header.fields[index], text) }
            default:
                continue
            }
        }
        return nil
    }
}
