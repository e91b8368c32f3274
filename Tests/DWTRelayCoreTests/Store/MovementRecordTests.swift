import DWTRelayTestSupport
import Foundation
import GRDB
import Testing

@testable import DWTRelayCore

/// The movement record has one column list. These pin it to the table a migrated store really has, and
/// check that each field comes back as written through every kind of read (a field read from its
/// neighbour's position would be a silent corruption, not a crash).
@Suite struct MovementRecordTests {
    /// A movement with a distinct value in every field, so a swapped pair shows.
    static let everyFieldSet = Movement(
        id: nil, source: .api, sourceFile: "T-1.json", contentHash: "hash-1", payload: Data("{\"a\":1}".utf8),
        apiCode: "code-1", yourUniqueReference: "ref-1", kind: .put, targetWasteTrackingId: "26AAAAAA",
        revisionOf: 1, state: .held, holdReason: .payment, attempts: 3, nextAttemptAt: 1001,
        wasteTrackingId: "26BBBBBB",
        warnings: "[\"w\"]", errors: "[\"e\"]", lastError: "last error", lastStatus: 402, possibleDuplicate: true,
        notFound: true, dateTimeReceived: "2026-11-30T08:00:00Z", receivedAt: 1002, sentAt: 1003, acceptedAt: 1004,
        finishedAt: 1005, updatedAt: 1006, serviceChargeExpiry: "2027-01-01", resultWritten: true, deadlineAt: 1007,
        site: "north", intakeNotes: "[\"from T.csv row 9\"]")

    @Test func theRecordsColumnListIsTheMigratedTable() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let table = try store.pool.read { db in try db.columns(in: "movement").map(\.name) }
        #expect(
            Set(table) == Set(["id"] + Movement.columnNames).union(Movement.columnsOutsideTheRecord),
            "a column the record does not list (or lists but the table lacks): \(table)")
        #expect(Movement.columnNames.count == Set(Movement.columnNames).count)
    }

    @Test func everyFieldComesBackFromEveryKindOfRead() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        var earlier = Self.everyFieldSet
        (earlier.revisionOf, earlier.state, earlier.holdReason) = (nil, .accepted, nil)
        var written = Self.everyFieldSet
        try store.pool.write { db in
            try earlier.insertCached(db)
            try written.insertCached(db)
        }
        #expect(earlier.id == written.revisionOf)
        let id = try #require(written.id)

        let (cached, byName, rowWidth) = try store.pool.read { db in
            (
                try Movement.fetchCached(db, id: id),
                // A hand-written `SELECT *` (the table has more columns than the record) is read by name.
                try Movement.fetchOne(db, sql: "SELECT * FROM movement WHERE id = ?", arguments: [id]),
                try Row.fetchOne(db, Movement.filter(key: id))?.count
            )
        }
        #expect(cached == written)
        #expect(byName == written)
        #expect(try store.movement(id) == written)
        #expect(try store.list(state: .held) == [written])
        #expect(try store.oldestHeld(reason: .payment, apiCode: "code-1") == written)
        // Requests select the record's own columns, which is what lets `init(row:)` read by position.
        #expect(rowWidth == Movement.selectedColumnCount)

        written.intakeNotes = nil
        written.site = nil
        written.state = .queued
        written.holdReason = nil
        try store.pool.write { db in try written.updateCached(db) }
        #expect(try store.movement(id) == written)
    }
}
