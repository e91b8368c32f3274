import Foundation
import GRDB

extension MovementStore {
    /// Commits a batch of movements in one transaction (group commit) and returns one result per item.
    ///
    /// A file seen before (same name and content) is a duplicate, not a second movement: this is what
    /// makes a crash between commit and delete harmless. Revisions are linked here (docs/integrating.md, "Revisions").
    public func ingest(_ items: [IntakeItem], now: Double? = nil) throws -> [IngestResult] {
        guard !items.isEmpty else { return [] }
        try verifyStillOnDisk()
        return try pool.writeWithoutTransaction { db in try self.ingest(db, items, now: now) }
    }

    /// `ingest` without holding the caller's thread through the commit: for the local API, whose handlers
    /// share the cooperative pool's few threads. A caller cancelled meanwhile (the client went away before
    /// its answer) interrupts the transaction, which then stores nothing.
    public func ingestSuspending(_ items: [IntakeItem], now: Double? = nil) async throws -> [IngestResult] {
        guard !items.isEmpty else { return [] }
        try verifyStillOnDisk()
        return try await pool.writeWithoutTransaction { db in try self.ingest(db, items, now: now) }
    }

    private func ingest(_ db: Database, _ items: [IntakeItem], now: Double?) throws -> [IngestResult] {
        var results: [IngestResult] = []
        try db.inTransaction(.immediate) {
            results = try items.map { try self.ingestOne($0, db, now: now ?? MovementStore.now()) }
            return .commit
        }
        return results
    }

    private func ingestOne(_ item: IntakeItem, _ db: Database, now: Double) throws -> IngestResult {
        let existing: Int64?
        if let name = item.sourceFile {
            existing = try Int64.fetchOne(
                db.cachedStatement(sql: HotQueries.duplicateFile), arguments: [name, item.contentHash, item.site])
        } else {
            existing = try Int64.fetchOne(
                db.cachedStatement(sql: HotQueries.duplicateSubmission), arguments: [item.contentHash])
        }
        if let existing { return .duplicate(existingId: existing) }

        var movement = Movement(
            id: nil, source: item.source, sourceFile: item.sourceFile, contentHash: item.contentHash,
            payload: try seal(item.body), apiCode: item.apiCode, yourUniqueReference: item.yourUniqueReference,
            kind: .post, targetWasteTrackingId: nil, revisionOf: nil, state: .queued, holdReason: nil, attempts: 0,
            nextAttemptAt: now, wasteTrackingId: nil, warnings: nil, errors: nil, lastError: nil, lastStatus: nil,
            possibleDuplicate: false, notFound: false, dateTimeReceived: item.dateTimeReceived, receivedAt: now,
            sentAt: nil, acceptedAt: nil, finishedAt: nil, updatedAt: now, serviceChargeExpiry: nil,
            resultWritten: false, deadlineAt: item.deadlineAt, site: item.site, intakeNotes: Self.intakeNotes(item))
        var note = "received"
        var superseded: Movement? = nil

        if let target = item.envelopeWasteTrackingId {
            movement.kind = .put
            movement.targetWasteTrackingId = target
            note = "received; update of \(target)"
        } else if let reference = item.yourUniqueReference,
            var earlier = try Movement.fetchOne(
                db.cachedStatement(sql: HotQueries.latestForReference),
                arguments: [reference, item.apiCode, item.apiCode])
        {
            if earlier.state == .queued && earlier.attempts == 0 {
                // Never sent: the revision takes its place and inherits where it was going.
                movement.kind = earlier.kind
                movement.targetWasteTrackingId = earlier.targetWasteTrackingId
                movement.revisionOf = earlier.revisionOf
                earlier.state = .superseded
                earlier.finishedAt = now
                earlier.updatedAt = now
                earlier.lastError = nil
                try earlier.updateCached(db)
                superseded = earlier
                note = "received; replaces unsent movement \(earlier.id!)"
            } else if earlier.state == .rejected && earlier.kind == .post {
                // The service never stored the earlier one: the corrected file is a new POST.
                note = "received; correction of rejected movement \(earlier.id!)"
            } else {
                movement.kind = .put
                movement.revisionOf = earlier.id
                movement.targetWasteTrackingId = earlier.wasteTrackingId ?? earlier.targetWasteTrackingId
                note = "received; revision of movement \(earlier.id!)"
            }
        }
        try movement.insertCached(db)
        let id = movement.id!
        try MovementEvent(movementId: id, at: now, kind: .state, toState: .queued, message: note).insertCached(db)
        if let origin = item.origin {
            try MovementEvent(movementId: id, at: now, kind: .note, message: origin).insertCached(db)
        }
        if !item.localIssues.isEmpty {
            let text = ValidationIssue.summary(of: item.localIssues)
            try MovementEvent(
                movementId: id, at: now, kind: .note,
                message:
                    "offline validation: \(item.localIssues.count) problem(s) the service will probably reject: \(text)"
            ).insertCached(db)
        }
        if !item.normalised.isEmpty {
            try MovementEvent(
                movementId: id, at: now, kind: .note,
                message: Self.normalisedNote(item)
            ).insertCached(db)
        }
        if !item.filledFromDefaults.isEmpty {
            try MovementEvent(
                movementId: id, at: now, kind: .note,
                message: Self.defaultsNote(item)
            ).insertCached(db)
        }
        if let superseded {
            try MovementEvent(
                movementId: superseded.id!, at: now, kind: .state, fromState: .queued, toState: .superseded,
                message: "replaced by movement \(id) before it was sent"
            ).insertCached(db)
        }
        return .stored(id: id)
    }

    static func normalisedNote(_ item: IntakeItem) -> String {
        "put into the API's form (fix at the source): \(item.normalised.joined(separator: "; "))"
    }

    static func defaultsNote(_ item: IntakeItem) -> String {
        "filled from the site defaults: \(item.filledFromDefaults.joined(separator: ", "))"
    }

    /// The notes of a movement's result file, as a JSON array (nil: none).
    static func intakeNotes(_ item: IntakeItem) -> String? {
        var notes: [String] = []
        if let origin = item.origin { notes.append(origin) }
        if !item.normalised.isEmpty { notes.append(normalisedNote(item)) }
        if !item.filledFromDefaults.isEmpty { notes.append(defaultsNote(item)) }
        return notes.isEmpty ? nil : JSONText.encode(notes, pretty: false, sorted: false)
    }
}
