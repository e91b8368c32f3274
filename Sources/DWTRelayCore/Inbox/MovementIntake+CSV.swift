import Dispatch
import Foundation

/// What a CSV file became: the movements to store, and the movements refused with their rows.
public struct CSVIntakeResult: Sendable {
    public struct Problem: Sendable, Equatable {
        public let row: Int
        public let column: String?
        public let reason: String

        public var description: String {
            guard row > 0 else { return (column.map { "field \"\($0)\": " } ?? "") + reason }
            return "row \(row)" + (column.map { ", column \"\($0)\"" } ?? "") + ": \(reason)"
        }
    }

    /// A movement (or a row without a reference) that cannot be sent, with every problem found in its rows.
    public struct Refused: Sendable {
        public let reference: String?
        public let rows: [Int]
        public let problems: [Problem]
    }

    public var items: [IntakeItem] = []
    public var refused: [Refused] = []
    /// The header row(s) and the refused rows as written, to be fixed and dropped again (empty: none refused).
    public var refusedText = Data()
    /// How the file was read, for the log and the movements' event notes.
    public var notes: [String] = []
    /// A flat JSON or XML ticket read through the mapping: one movement, its problems by field.
    public var ticket = false

    public init() {}
}

extension MovementIntake {
    /// A CSV file in the layout of Defra's receipt-of-waste template (or mapped onto it by
    /// `intake.csv_mapping_file`), as movements: each goes through `finish` like a JSON file. Throws only when
    /// the file as a whole cannot be read (no header, a quote never closed, too big).
    public func checkCSV(_ raw: Data, source: MovementSource, sourceFile: String, ticket: Bool = false)
        throws(IntakeRejection) -> CSVIntakeResult
    {
        guard raw.count <= maxCSVBytes else {
            throw IntakeRejection(
                "file is \(raw.count) bytes, over the \(maxCSVBytes)-byte limit for CSV files (intake.max_csv_bytes)")
        }
        let csv = try ReceiptCSV(raw, mapping: csvMapping)
        guard !csv.movements.isEmpty || !csv.strayRows.isEmpty else {
            throw IntakeRejection("no rows under the header row; nothing to report")
        }
        var result = CSVIntakeResult()
        if csv.table.encoding != .utf8 { result.notes.append("read as \(csv.table.encoding.rawValue) (not UTF-8)") }
        if !csv.ignoredHeadings.isEmpty {
            result.notes.append(
                "columns ignored (ignore: in the mapping): "
                    + csv.ignoredHeadings.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        let hash = Self.hash(raw)
        var refusedRows = Set<Int>()
        var takenRows = Set<Int>()
        // Each movement's checks are independent (and, with validation, most of the cost): spread over the cores.
        let checked = UnsafeSendableBuffer<Result<IntakeItem, IntakeRejection>>(count: csv.movements.count)
        let movements = csv.movements
        // As JSON here (a body of `Any` is not Sendable), read back by each worker: numbers and booleans then
        // are what a JSON file's would be.
        let bodies: [(json: Data?, envelope: String?, pointer: String)] = movements.map { movement in
            (
                movement.problems.isEmpty ? try? JSONSerialization.data(withJSONObject: movement.body) : nil,
                movement.wasteTrackingID,
                ticket ? sourceFile : CSVRowPointer.make(file: sourceFile, row: movement.rows[0])
            )
        }
        DispatchQueue.concurrentPerform(iterations: bodies.count) { index in
            let (json, envelope, pointer) = bodies[index]
            guard let json else { return }
            checked[index] = Result { () throws(IntakeRejection) -> IntakeItem in
                guard let body = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
                    throw IntakeRejection("the row's values cannot be written as JSON")
                }
                return try finish(
                    body, envelopeID: envelope, rewritten: true, data: Data(), raw: Data(), source: source,
                    sourceFile: pointer)
            }
        }
        for (index, movement) in movements.enumerated() {
            guard movement.problems.isEmpty, let outcome = checked[index] else {
                let problems =
                    movement.problems.isEmpty
                    ? [.init(row: movement.rows[0], column: nil, reason: "the row's values cannot be written as JSON")]
                    : movement.problems.map(Self.problem)
                result.refused.append(.init(reference: movement.reference, rows: movement.rows, problems: problems))
                refusedRows.formUnion(movement.rows)
                continue
            }
            switch outcome {
            case .success(var item):
                item.contentHash = hash
                let rows = movement.rows.count == 1 ? "row \(movement.rows[0])" : "rows " + Self.ranges(movement.rows)
                let notes = result.notes + movement.notes
                item.origin = "from \(sourceFile) \(rows)" + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
                result.items.append(item)
                takenRows.formUnion(movement.rows)
            case .failure(let error):
                let (row, column) = csv.locate(error.field ?? "", in: movement)
                // The site's heading first; Defra's key stays in the reason. A field the file has no column
                // for is a gap of the movement: no cell is blamed for it.
                let reason =
                    column == nil && error.field != nil && error.field != "apiCode"
                    ? "the movement has no value for \(error.field!) (no column of the file fills it: map one, or "
                        + "give it under values: in the mapping): \(error.reason)"
                    : error.reason
                result.refused.append(
                    .init(
                        reference: movement.reference, rows: movement.rows,
                        problems: [.init(row: row, column: column, reason: reason)]))
                refusedRows.formUnion(movement.rows)
            }
        }
        for stray in csv.strayRows {
            result.refused.append(.init(reference: nil, rows: [stray.row], problems: [Self.problem(stray)]))
            refusedRows.insert(stray.row)
        }
        if ticket {
            // A ticket has fields, not rows: its problems name the field alone.
            result.ticket = true
            result.refused = result.refused.map { refused in
                .init(
                    reference: refused.reference, rows: [],
                    problems: refused.problems.map { .init(row: 0, column: $0.column, reason: $0.reason) })
            }
            for index in result.items.indices {
                result.items[index].origin = result.items[index].origin?
                    .replacingOccurrences(of: "from \(sourceFile) row 2", with: "from the ticket \(sourceFile)")
            }
            return result
        }
        if !refusedRows.isEmpty {
            // Everything but the rows taken: title, heading and guidance rows stay, so the file reads as before.
            let kept = csv.table.records.filter { !takenRows.contains($0.row) }
            result.refusedText = csv.table.raw(kept)
        }
        return result
    }

    /// A ticket that is not an API body (a flat JSON object, a one-ticket XML document): its fields read
    /// like one CSV row through the mapping.
    public func checkTicket(_ fields: [(name: String, value: String)], source: MovementSource, sourceFile: String)
        throws(IntakeRejection) -> CSVIntakeResult
    {
        do {
            return try checkCSV(TicketRecord.csv(fields), source: source, sourceFile: sourceFile, ticket: true)
        } catch  where error.field == ReceiptColumn.yourUniqueReference.heading {
            let names = fields.prefix(6).map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw IntakeRejection(
                "this looks like a ticket (fields \(names)\(fields.count > 6 ? ", ..." : "")), not an API body: say "
                    + "what its fields mean in intake.mapping_file (dwt-relay try-mapping shows the result), or have "
                    + "the weighbridge software write the API body")
        }
    }

    private static func problem(_ problem: ReceiptCSV.Problem) -> CSVIntakeResult.Problem {
        .init(row: problem.row, column: problem.column, reason: problem.reason)
    }

    /// `9, 10, 11, 14` → `9–11, 14`.
    static func ranges(_ rows: [Int]) -> String {
        var parts: [String] = []
        var start = rows.first ?? 0
        var previous = start
        for row in rows.dropFirst() + [Int.min] {
            if row == previous + 1 {
                previous = row
                continue
            }
            parts.append(start == previous ? "\(start)" : "\(start)–\(previous)")
            start = row
            previous = row
        }
        return parts.joined(separator: ", ")
    }
}
