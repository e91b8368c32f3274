import Foundation
import GRDB

/// The movement table's one column list. Reads select exactly these columns (`databaseSelection` for
/// requests, `selectionSQL` for the hot statements), so `init(row:)` decodes by position; writes on the hot
/// paths go through GRDB's statement cache: compiling a statement per row (what the generic record methods
/// do) cost more than the rest of intake put together.
extension Movement {
    /// Typed columns for requests.
    public enum Columns {
        public static let id = Column("id")
        public static let source = Column("source")
        public static let sourceFile = Column("sourceFile")
        public static let apiCode = Column("apiCode")
        public static let yourUniqueReference = Column("yourUniqueReference")
        public static let state = Column("state")
        public static let holdReason = Column("holdReason")
        public static let possibleDuplicate = Column("possibleDuplicate")
        public static let receivedAt = Column("receivedAt")
        public static let resultWritten = Column("resultWritten")
        public static let deadlineAt = Column("deadlineAt")
        public static let site = Column("site")
    }

    /// Every stored field after `id`, in the order `init(row:)` reads them and `columnValues` writes them.
    /// `StoreSchemaTests` checks it against the table, so a migration's new column cannot be missed.
    static let columnNames = [
        "source", "sourceFile", "contentHash", "payload", "apiCode", "yourUniqueReference", "kind",
        "targetWasteTrackingId", "revisionOf", "state", "holdReason", "attempts", "nextAttemptAt", "wasteTrackingId",
        "warnings", "errors", "lastError", "lastStatus", "possibleDuplicate", "notFound", "dateTimeReceived",
        "receivedAt", "sentAt", "acceptedAt", "finishedAt", "updatedAt", "serviceChargeExpiry", "resultWritten",
        "deadlineAt", "site", "intakeNotes",
    ]

    /// Table columns that belong to another concern and are not part of the record (the acknowledgement of a
    /// rejected movement is kept by `MovementStore+Problems`).
    static let columnsOutsideTheRecord: Set<String> = ["acknowledgedAt"]

    /// What every read of whole movements selects: `id`, then `columnNames`.
    public static var databaseSelection: [any SQLSelectable] { selectedColumns }
    private static let selectedColumns: [Column] = (["id"] + columnNames).map { Column($0) }

    /// The same selection for hand-written statements: `SELECT \(Movement.selectionSQL) FROM movement ...`.
    static let selectionSQL = (["id"] + columnNames).joined(separator: ", ")

    static let insertSQL =
        "INSERT INTO movement(\(columnNames.joined(separator: ", "))) VALUES (\(columnNames.map { _ in "?" }.joined(separator: ", ")))"
    static let updateSQL =
        "UPDATE movement SET \(columnNames.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"

    var columnValues: [(any DatabaseValueConvertible)?] {
        [
            source.rawValue, sourceFile, contentHash, payload, apiCode, yourUniqueReference, kind.rawValue,
            targetWasteTrackingId, revisionOf, state.rawValue, holdReason?.rawValue, attempts, nextAttemptAt,
            wasteTrackingId,
            warnings, errors, lastError, lastStatus, possibleDuplicate, notFound, dateTimeReceived, receivedAt, sentAt,
            acceptedAt, finishedAt, updatedAt, serviceChargeExpiry, resultWritten, deadlineAt, site, intakeNotes,
        ]
    }

    /// Inserts through a cached statement and sets `id`.
    mutating func insertCached(_ db: Database) throws {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: StatementArguments(columnValues))
        id = db.lastInsertedRowID
    }

    /// Writes every column through a cached statement.
    func updateCached(_ db: Database) throws {
        try db.cachedStatement(sql: Self.updateSQL).execute(arguments: StatementArguments(columnValues + [id]))
    }

    /// Claim: only the columns a claim changes. SQLite rewrites every index whose columns appear in an
    /// UPDATE's SET list, so the full-row `updateCached` would rewrite all eleven indexes for nothing.
    func updateClaimCached(_ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE movement SET state = ?, attempts = ?, sentAt = ?, updatedAt = ?, kind = ?,
                targetWasteTrackingId = ? WHERE id = ?
                """
        ).execute(arguments: [state.rawValue, attempts, sentAt, updatedAt, kind.rawValue, targetWasteTrackingId, id])
    }

    /// An attempt's end: only the columns an outcome changes (see `updateClaimCached`).
    func updateOutcomeCached(_ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE movement SET state = ?, holdReason = ?, attempts = ?, nextAttemptAt = ?, wasteTrackingId = ?,
                warnings = ?, errors = ?, lastError = ?, lastStatus = ?, possibleDuplicate = ?, notFound = ?,
                acceptedAt = ?, finishedAt = ?, updatedAt = ?, serviceChargeExpiry = ?, resultWritten = ?
                WHERE id = ?
                """
        ).execute(arguments: [
            state.rawValue, holdReason?.rawValue, attempts, nextAttemptAt, wasteTrackingId, warnings, errors, lastError,
            lastStatus, possibleDuplicate, notFound, acceptedAt, finishedAt, updatedAt, serviceChargeExpiry,
            resultWritten, id,
        ])
    }

    static func fetchCached(_ db: Database, id: Int64) throws -> Movement? {
        try Movement.fetchOne(db.cachedStatement(sql: HotQueries.movementByID), arguments: [id])
    }

    /// Rows of the record's own selection are decoded by position; any other row (a hand-written
    /// `SELECT *`, a join) by name.
    public init(row: Row) throws {
        if row.count == Self.selectedColumnCount {
            try self.init(selectedRow: row)
        } else {
            self = try FetchableRecordDecoder().decode(Movement.self, from: row)
        }
    }

    static let selectedColumnCount = columnNames.count + 1

    /// Decodes a row of `databaseSelection` by position. The Codable decoder looks every column up by name
    /// (case-insensitively) and was the largest single cost of claiming and finishing a movement. (Until
    /// this read its own selection it matched `SELECT *` by column count, and the acknowledgement's column
    /// silently sent every read down the slow path.)
    init(selectedRow row: Row) throws {
        func text(_ index: Int) -> String? { row[index] }
        let holdText = text(11)
        let holdReason = holdText.flatMap(HoldReason.init(rawValue:))
        guard let kind = Kind(rawValue: row[7]), let state = MovementState(rawValue: row[10]),
            holdText == nil || holdReason != nil
        else {
            throw DatabaseError(
                message: "movement row \(row[0] as Int64? ?? 0) has an unknown kind, state or hold reason")
        }
        self.init(
            id: row[0], source: row[1], sourceFile: text(2), contentHash: row[3], payload: row[4], apiCode: text(5),
            yourUniqueReference: text(6), kind: kind, targetWasteTrackingId: text(8), revisionOf: row[9],
            state: state, holdReason: holdReason, attempts: row[12], nextAttemptAt: row[13], wasteTrackingId: text(14),
            warnings: text(15), errors: text(16), lastError: text(17), lastStatus: row[18], possibleDuplicate: row[19],
            notFound: row[20], dateTimeReceived: text(21), receivedAt: row[22], sentAt: row[23], acceptedAt: row[24],
            finishedAt: row[25], updatedAt: row[26], serviceChargeExpiry: text(27), resultWritten: row[28],
            deadlineAt: row[29], site: text(30), intakeNotes: text(31))
    }
}

extension MovementEvent {
    static let insertSQL = """
        INSERT INTO movementEvent(movementId, at, kind, method, path, status, durationMs, fromState, toState, message)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    func insertCached(_ db: Database) throws {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: [
            movementId, at, kind.rawValue, method, path, status, durationMs, fromState, toState, message,
        ])
    }
}
