import Foundation
import GRDB

/// Hand-written SQL for the hot paths, through GRDB's statement cache: compiling a statement per row (what
/// the generic record methods do) cost more than the rest of intake put together.
extension Movement {
    static let columnNames = [
        "source", "sourceFile", "contentHash", "payload", "apiCode", "yourUniqueReference", "kind",
        "targetWasteTrackingId", "revisionOf", "state", "holdReason", "attempts", "nextAttemptAt", "wasteTrackingId",
        "warnings", "errors", "lastError", "lastStatus", "possibleDuplicate", "notFound", "dateTimeReceived",
        "receivedAt", "sentAt", "acceptedAt", "finishedAt", "updatedAt", "serviceChargeExpiry", "resultWritten",
        "deadlineAt", "site",
    ]

    static let insertSQL =
        "INSERT INTO movement(\(columnNames.joined(separator: ", "))) VALUES (\(columnNames.map { _ in "?" }.joined(separator: ", ")))"
    static let updateSQL =
        "UPDATE movement SET \(columnNames.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"

    var columnValues: [(any DatabaseValueConvertible)?] {
        [
            source, sourceFile, contentHash, payload, apiCode, yourUniqueReference, kind.rawValue,
            targetWasteTrackingId, revisionOf, state.rawValue, holdReason, attempts, nextAttemptAt, wasteTrackingId,
            warnings, errors, lastError, lastStatus, possibleDuplicate, notFound, dateTimeReceived, receivedAt, sentAt,
            acceptedAt, finishedAt, updatedAt, serviceChargeExpiry, resultWritten, deadlineAt, site,
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

    static func fetchCached(_ db: Database, id: Int64) throws -> Movement? {
        try Movement.fetchOne(db.cachedStatement(sql: "SELECT * FROM movement WHERE id = ?"), arguments: [id])
    }
}

extension MovementEvent {
    static let insertSQL = """
        INSERT INTO movementEvent(movementId, at, kind, method, path, status, durationMs, fromState, toState, message)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    func insertCached(_ db: Database) throws {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: [
            movementId, at, kind, method, path, status, durationMs, fromState, toState, message,
        ])
    }
}
