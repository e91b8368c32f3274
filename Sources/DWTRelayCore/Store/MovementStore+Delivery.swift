import Foundation
import GRDB

extension MovementStore {
    /// Claims up to `limit` due movements, oldest first, marking them `sending` durably before any request
    /// leaves: a crash from here on leaves evidence that the request may have gone.
    ///
    /// A revision waits until the movement it revises has a final outcome; movements whose apiCode is in
    /// `pausedAPICodes` stay queued.
    public func claimDue(now: Double, limit: Int, pausedAPICodes: Set<String> = []) throws -> [Delivery] {
        try settle(finishing: [], claimLimit: limit, now: now, pausedAPICodes: pausedAPICodes).claimed
    }

    /// Records the end of one attempt: the HTTP exchange (if any) and the new state, in one transaction.
    @discardableResult
    public func finish(
        _ id: Int64, outcome: DeliveryOutcome, exchange: ExchangeRecord?, lastError: String?, now: Double
    ) throws -> Movement {
        try finishAll([FinishedAttempt(id: id, outcome: outcome, exchange: exchange, lastError: lastError)], now: now)[
            0]
    }

    /// Records several attempts' ends in one transaction (one fsync for a burst of answers).
    public func finishAll(_ attempts: [FinishedAttempt], now: Double) throws -> [Movement] {
        try settle(finishing: attempts, claimLimit: 0, now: now).finished
    }

    /// The sender's one write per turn: records the attempts that ended and claims the next due movements
    /// in the same transaction, so a busy queue costs one fsync per turn rather than two.
    public func settle(
        finishing attempts: [FinishedAttempt], claimLimit: Int, now: Double, pausedAPICodes: Set<String> = []
    ) throws -> Settlement {
        guard !attempts.isEmpty || claimLimit > 0 else { return Settlement() }
        return try pool.writeWithoutTransaction { db in
            try self.settle(db, finishing: attempts, claimLimit: claimLimit, now: now, pausedAPICodes: pausedAPICodes)
        }
    }

    /// `settle` without holding the caller's thread through the commit: the transaction runs on the store's
    /// writer queue while the caller is suspended. The sender's loop uses it, so that waiting for fsync does
    /// not take one of the few threads every task shares (two on a two-core weighbridge PC). Cancelling the
    /// caller interrupts the transaction, which then leaves nothing behind.
    public func settleSuspending(
        finishing attempts: [FinishedAttempt], claimLimit: Int, now: Double, pausedAPICodes: Set<String> = []
    ) async throws -> Settlement {
        guard !attempts.isEmpty || claimLimit > 0 else { return Settlement() }
        return try await pool.writeWithoutTransaction { db in
            try self.settle(db, finishing: attempts, claimLimit: claimLimit, now: now, pausedAPICodes: pausedAPICodes)
        }
    }

    func settle(
        _ db: Database, finishing attempts: [FinishedAttempt], claimLimit: Int, now: Double,
        pausedAPICodes: Set<String>
    ) throws -> Settlement {
        // Nothing to record and nothing due (most wake-ups of an idle sender): one statement on the writer's
        // connection says so, without a transaction. A movement made due just after it is claimed next turn,
        // as one made due just after a claim's commit would be.
        if attempts.isEmpty {
            guard claimLimit > 0 else { return Settlement() }
            let nextDue = try Self.nextDue(db, excluding: pausedAPICodes)
            if nextDue.map({ $0 > now }) ?? true { return Settlement(nextDue: nextDue) }
        }
        var settlement = Settlement()
        try db.inTransaction(.immediate) {
            var serviceState: [ServiceStateKey: String] = [:]
            settlement.finished = try attempts.map { try self.finishOne(db, $0, now: now, serviceState: &serviceState) }
            for (key, value) in serviceState { try ServiceStateEntry.set(db, key, value, now: now) }
            if claimLimit > 0 {
                settlement.claimed = try self.claimDue(db, now: now, limit: claimLimit, pausedAPICodes: pausedAPICodes)
                if settlement.claimed.isEmpty { settlement.nextDue = try Self.nextDue(db, excluding: pausedAPICodes) }
            }
            return .commit
        }
        return settlement
    }

    /// The earliest retry time of a queued movement that can be claimed, leaving out apiCodes paused for an
    /// unpaid charge (they wait for their probe; counting them made an idle sender wake at once, for ever).
    public func nextDueTime(excludingAPICodes paused: Set<String> = []) throws -> Double? {
        try pool.read { db in try Self.nextDue(db, excluding: paused) }
    }

    static func nextDue(_ db: Database, excluding paused: Set<String>) throws -> Double? {
        try Double.fetchOne(db.cachedStatement(sql: HotQueries.nextDue), arguments: [HotQueries.jsonArray(paused)])
    }

    /// Marks result files as written (one transaction).
    public func markResultsWritten(_ ids: [Int64]) throws {
        try pool.write { db in
            for id in ids {
                try db.cachedStatement(sql: "UPDATE movement SET resultWritten = 1 WHERE id = ?").execute(arguments: [
                    id
                ])
            }
        }
    }

    /// Final movements whose result file is still owed (e.g. after a crash).
    public func resultsDue(limit: Int = 1000) throws -> [Movement] {
        try pool.read { db in
            try Movement.filter(
                Movement.Columns.resultWritten == false
                    && [MovementState.accepted, .rejected].contains(Movement.Columns.state)
            ).order(Movement.Columns.id).limit(limit).fetchAll(db)
        }
    }

    private func claimDue(_ db: Database, now: Double, limit: Int, pausedAPICodes: Set<String>) throws -> [Delivery] {
        var claimed: [Delivery] = []
        // Only the columns that decide eligibility; whole rows are read for the ones claimed.
        let candidates = try Row.fetchAll(
            db.cachedStatement(sql: HotQueries.dueCandidates),
            arguments: [now, max(limit * 4, 64)])
        // Per reference strictly in order: nothing overtakes an earlier revision still waiting. Keyed by
        // reference, the lowest id of a revision found waiting; only later movements of that reference wait
        // behind it. (Blocking the whole reference also blocked the original the revision waits for, when a
        // retry put the original after it in due order: both waited for ever.)
        var blockedFrom: [String: Int64] = [:]
        for candidate in candidates {
            if claimed.count >= limit { break }
            let code: String? = candidate["apiCode"]
            let reference: String? = candidate["yourUniqueReference"]
            let id: Int64 = candidate["id"]
            if let code, pausedAPICodes.contains(code) { continue }
            if let reference, let blocked = blockedFrom[reference], id > blocked { continue }
            guard var movement = try Movement.fetchCached(db, id: id) else { continue }
            var target = movement.targetWasteTrackingId
            if let earlierId = movement.revisionOf {
                guard let earlier = try Movement.fetchCached(db, id: earlierId) else { continue }
                guard earlier.state.isFinal else {
                    if let reference = movement.yourUniqueReference {
                        blockedFrom[reference] = min(blockedFrom[reference] ?? id, id)
                    }
                    // Not due before the movement it revises can end: the queue sleeps instead of spinning
                    // on a due row it cannot send. Behind a movement being sent or held, it has no time at
                    // all: only that movement's final outcome makes it due (`revisionsDueNow`, in the same
                    // transaction as the outcome), however long an operator takes. (A 30-second recheck
                    // here cost a write and an fsync twice a minute for as long as an in-doubt hold lasted.)
                    let waitUntil = earlier.state == .queued ? max(earlier.nextAttemptAt ?? now, now) : nil
                    try db.cachedStatement(sql: "UPDATE movement SET nextAttemptAt = ? WHERE id = ?")
                        .execute(arguments: [waitUntil, id])
                    continue
                }
                target = earlier.wasteTrackingId ?? earlier.targetWasteTrackingId ?? target
                if target != movement.targetWasteTrackingId || (target == nil && movement.kind == .put) {
                    movement.targetWasteTrackingId = target
                    movement.kind = target == nil ? .post : .put
                }
            }
            movement.state = .sending
            movement.attempts += 1
            movement.sentAt = now
            movement.updatedAt = now
            // No event row here: the attempt is recorded with its HTTP exchange when it ends, and a crash
            // meanwhile is recorded by the start-up repair. The row itself is the durable evidence.
            try movement.updateClaimCached(db)
            claimed.append(
                Delivery(
                    movement: movement, targetWasteTrackingId: target, payload: try self.decrypted(movement).payload))
        }
        return claimed
    }

    private func finishOne(
        _ db: Database, _ attempt: FinishedAttempt, now: Double, serviceState: inout [ServiceStateKey: String]
    ) throws -> Movement {
        let id = attempt.id, outcome = attempt.outcome, exchange = attempt.exchange, lastError = attempt.lastError
        guard var movement = try Movement.fetchCached(db, id: id) else { throw StoreError.notFound(id) }
        let from = movement.state
        if let exchange {
            try MovementEvent(
                movementId: id, at: now, kind: .http, method: exchange.method, path: exchange.path,
                status: exchange.status, durationMs: exchange.durationMs, message: exchange.error
            ).insertCached(db)
            movement.lastStatus = exchange.status
            if let expiry = exchange.serviceChargeExpiry {
                movement.serviceChargeExpiry = expiry
                if let code = movement.apiCode {
                    serviceState[.serviceChargeExpiry(apiCode: code)] = expiry
                }
            }
        }
        movement.updatedAt = now
        var note: String? = nil
        switch outcome {
        case .accepted(let wasteTrackingId, let warnings, let notFound):
            movement.state = .accepted
            movement.wasteTrackingId = wasteTrackingId ?? movement.targetWasteTrackingId
            movement.warnings = try self.sealText(warnings)
            movement.notFound = notFound
            movement.acceptedAt = now
            movement.finishedAt = now
            movement.lastError = nil
            movement.holdReason = nil
            movement.resultWritten = false
            note = notFound ? "ID unknown to the service (404); details stored" : nil
            serviceState[ServiceStateKey.lastAcceptedAt] = String(now)
        case .rejected(let errors):
            movement.state = .rejected
            movement.errors = try self.sealText(errors)
            movement.finishedAt = now
            movement.lastError = lastError
            movement.resultWritten = false
        case .retry(let next, let inDoubt):
            movement.state = .queued
            // Never a non-finite time: it would sort before nothing and trap where it is formatted.
            movement.nextAttemptAt = next.isFinite ? next : now
            movement.lastError = lastError
            if inDoubt && movement.kind == .post {
                movement.possibleDuplicate = true
                note = "in doubt: the POST may have reached the service; resending, flagged possibleDuplicate"
            }
        case .held(let reason, let inDoubt):
            movement.state = .held
            movement.holdReason = reason
            movement.lastError = lastError
            if inDoubt && movement.kind == .post {
                note = "in doubt: the POST may have reached the service; held for an operator (dwt-relay retry)"
            }
        case .notAttempted(let next):
            movement.state = .queued
            movement.nextAttemptAt = next.isFinite ? next : now
            movement.attempts = max(0, movement.attempts - 1)
        }
        try movement.updateOutcomeCached(db)
        if movement.state.isFinal {
            // A revision waiting for this movement's outcome is due now.
            try db.cachedStatement(sql: HotQueries.revisionsDueNow).execute(arguments: [now, id, now])
        }
        if from != movement.state || note != nil {
            try MovementEvent(
                movementId: id, at: now, kind: .state, fromState: from,
                toState: movement.state, message: note ?? lastError
            ).insertCached(db)
        }
        if let lastError, movement.state != .accepted { serviceState[ServiceStateKey.lastError] = lastError }
        return movement
    }
}

extension MovementStore {
    /// Appends an HTTP exchange to a movement's event log without changing its state.
    /// Suspends while the writer commits: the sender records a 401 before its resend from a request's own
    /// task, which must not block a thread of the cooperative pool (two on a two-core PC) on fsync.
    public func recordExchange(_ id: Int64, _ exchange: ExchangeRecord, now: Double) async throws {
        try await pool.write { db in
            try MovementEvent(
                movementId: id, at: now, kind: .http, method: exchange.method, path: exchange.path,
                status: exchange.status, durationMs: exchange.durationMs, message: exchange.error
            ).insertCached(db)
        }
    }

    /// apiCodes with movements held for payment (402), to resume probing after a restart.
    /// Whether any movement is held for `reason` (at start-up: a hold the new process must clear).
    public func anyHeld(reason: HoldReason) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM movement WHERE state = 'held' AND holdReason = ?)",
                arguments: [reason.rawValue]) ?? false
        }
    }

    public func apiCodesHeldForPayment() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT DISTINCT apiCode FROM movement WHERE state = 'held' AND holdReason = 'payment' AND apiCode IS NOT NULL"
            )
        }
    }
}

extension MovementStore {
    /// Operator retry of queued movements waiting for a backoff: due now. Returns the IDs changed.
    public func makeDueNow(ids: [Int64], now: Double) throws -> [Int64] {
        try pool.write { db in
            var changed: [Int64] = []
            for id in ids {
                try db.execute(
                    sql: "UPDATE movement SET nextAttemptAt = ?, updatedAt = ? WHERE id = ? AND state = 'queued'",
                    arguments: [now, now, id])
                if db.changesCount > 0 {
                    changed.append(id)
                    try MovementEvent(movementId: id, at: now, kind: .note, message: "retry requested by operator")
                        .insertCached(db)
                }
            }
            return changed
        }
    }
}
