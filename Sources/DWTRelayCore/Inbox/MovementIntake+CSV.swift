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
    /// How many movements were taken (`items` holds only the last slice's when a file is taken in slices).
    public var takenCount = 0
    /// The header row(s) and the refused rows as written, to be fixed and dropped again (empty: none refused).
    public var refusedText = Data()
    /// How the file was read, for the log and the movements' event notes.
    public var notes: [String] = []
    /// A flat JSON or XML ticket read through the mapping: one movement, its problems by field.
    public var ticket = false
    /// Rows whose movements were taken: the refused rows are the others.
    var takenRows = Set<Int>()

    public init() {}

    /// Adds a later slice's outcome (its refusals and what it took; its items are stored by the caller).
    mutating func add(_ slice: CSVIntakeResult) {
        refused += slice.refused
        takenCount += slice.takenCount
        takenRows.formUnion(slice.takenRows)
    }
}

/// A CSV file read as far as which rows make which movement: its movements are built and checked a slice
/// at a time (`MovementIntake.checkCSV(_:movements:)`), so a large export never becomes all its bodies at once.
public struct CSVIntakePlan: Sendable {
    let csv: ReceiptCSV
    let hash: String
    let notes: [String]
    let source: MovementSource
    let sourceFile: String
    let ticket: Bool

    public var movementCount: Int { csv.groups.count }

    /// Every reference the file gives: a correction of one of them dropped while the file is taken waits
    /// for it, so that a revision is never stored before what it revises.
    public var references: Set<String> { Set(csv.groups.map(\.reference)) }
}

extension MovementIntake {
    /// A CSV file in the layout of Defra's receipt-of-waste template (or mapped onto it by
    /// `intake.mapping_file`), as movements: each goes through `finish` like a JSON file. Throws only when
    /// the file as a whole cannot be read (no header, a quote never closed, too big).
    public func checkCSV(_ raw: Data, source: MovementSource, sourceFile: String, ticket: Bool = false)
        throws(IntakeRejection) -> CSVIntakeResult
    {
        let plan = try planCSV(raw, source: source, sourceFile: sourceFile, ticket: ticket)
        var result = checkCSV(plan, movements: 0..<plan.movementCount)
        completeCSV(plan, &result)
        return result
    }

    /// Reads the file's rows and sorts them into movements; nothing is built yet.
    public func planCSV(_ raw: Data, source: MovementSource, sourceFile: String, ticket: Bool = false)
        throws(IntakeRejection) -> CSVIntakePlan
    {
        guard raw.count <= maxCSVBytes else {
            throw IntakeRejection(
                "file is \(raw.count) bytes, over the \(maxCSVBytes)-byte limit for CSV files (intake.max_csv_bytes)")
        }
        let csv = try ReceiptCSV(raw, mapping: csvMapping)
        guard !csv.groups.isEmpty || !csv.strayRows.isEmpty else {
            throw IntakeRejection("no rows under the header row; nothing to report")
        }
        var notes: [String] = []
        if csv.table.encoding != .utf8 { notes.append("read as \(csv.table.encoding.rawValue) (not UTF-8)") }
        if !csv.ignoredHeadings.isEmpty {
            notes.append(
                "columns ignored (ignore: in the mapping): "
                    + csv.ignoredHeadings.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return CSVIntakePlan(
            csv: csv, hash: Self.hash(raw), notes: notes, source: source, sourceFile: sourceFile, ticket: ticket)
    }

    /// The movements `range` of a planned file: items to store and movements refused with their rows.
    public func checkCSV(_ plan: CSVIntakePlan, movements range: Range<Int>) -> CSVIntakeResult {
        let csv = plan.csv
        let (source, sourceFile, ticket) = (plan.source, plan.sourceFile, plan.ticket)
        var result = CSVIntakeResult()
        result.notes = plan.notes
        let movements = range.map(csv.movement)
        // Each movement's checks are independent (and, with validation, most of the cost): spread over the cores.
        let checked = UnsafeSendableBuffer<Result<IntakeItem, IntakeRejection>>(count: movements.count)
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
                guard let body = (try? JSONNode.read(json))?.node.object else {
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
                continue
            }
            switch outcome {
            case .success(var item):
                item.contentHash = plan.hash
                let rows = movement.rows.count == 1 ? "row \(movement.rows[0])" : "rows " + Self.ranges(movement.rows)
                let notes = plan.notes + movement.notes
                item.origin = "from \(sourceFile) \(rows)" + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
                result.items.append(item)
                result.takenCount += 1
                result.takenRows.formUnion(movement.rows)
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
            }
        }
        return result
    }

    /// After the last slice: rows of no movement refused, and the refused rows as written to hand back.
    public func completeCSV(_ plan: CSVIntakePlan, _ result: inout CSVIntakeResult) {
        let csv = plan.csv
        for stray in csv.strayRows {
            result.refused.append(.init(reference: nil, rows: [stray.row], problems: [Self.problem(stray)]))
        }
        if plan.ticket {
            // A ticket has fields, not rows: its problems name the field alone.
            result.ticket = true
            result.refused = result.refused.map { refused in
                .init(
                    reference: refused.reference, rows: [],
                    problems: refused.problems.map { .init(row: 0, column: $0.column, reason: $0.reason) })
            }
            for index in result.items.indices {
                result.items[index].origin = result.items[index].origin?
                    .replacingOccurrences(
                        of: "from \(plan.sourceFile) row 2", with: "from the ticket \(plan.sourceFile)")
            }
            return
        }
        if !result.refused.isEmpty {
            // Everything but the rows taken: title, heading and guidance rows stay, so the file reads as before.
            let kept = csv.table.spans.filter { !result.takenRows.contains($0.row) }
            result.refusedText = csv.table.raw(kept)
        }
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
