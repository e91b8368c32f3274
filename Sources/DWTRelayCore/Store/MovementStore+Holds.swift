import Foundation
import GRDB

/// The queue's repairs and holds: start-up repair of interrupted sends, retry times made due after a clock
/// step back, releases of held movements, and the payment probe's claim of a held one.
extension MovementStore {
    /// Start-up repair: a movement left `sending` died with the previous process. A PUT is safe to resend;
    /// a POST is in doubt and follows `delivery.in_doubt`. One transaction: the repair is whole or not at all,
    /// and costs one fsync however many requests were out. Returns how many were found.
    public func recoverInterrupted(inDoubt policy: RelayConfig.InDoubtPolicy, now: Double) throws -> Int {
        try pool.writeWithoutTransaction { db in
            let stuck = try Movement.fetchAll(
                db.cachedStatement(sql: "SELECT \(Movement.selectionSQL) FROM movement WHERE state = 'sending'"))
            let reason = "interrupted while sending (daemon stopped or crashed)"
            let repairs = stuck.map { movement in
                let outcome: DeliveryOutcome =
                    movement.kind == .put
                    ? .retry(nextAttemptAt: now, inDoubt: false)
                    : policy == .hold
                        ? .held(reason: .inDoubt, inDoubt: true) : .retry(nextAttemptAt: now, inDoubt: true)
                return FinishedAttempt(id: movement.id!, outcome: outcome, exchange: nil, lastError: reason)
            }
            _ = try self.settle(db, finishing: repairs, claimLimit: 0, now: now, pausedAPICodes: [])
            return stuck.count
        }
    }

    /// Queued retries timed after `after` (a wall-clock step back made them look far off) become due now.
    public func makeFutureRetriesDue(after: Double, now: Double) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE movement SET nextAttemptAt = ? WHERE state = 'queued' AND nextAttemptAt > ?",
                arguments: [now, after])
            return db.changesCount
        }
    }

    /// Releases held movements back to the queue: by id (operator `retry`), or every hold with a reason.
    @discardableResult
    public func release(
        ids: [Int64]? = nil, reason: HoldReason? = nil, apiCode: String? = nil, byOperator: Bool = false, now: Double
    ) throws
        -> [Int64]
    {
        try pool.writeWithoutTransaction { db in
            var released: [Int64] = []
            try db.inTransaction(.immediate) {
                var request = Movement.filter(Movement.Columns.state == MovementState.held)
                if let reason { request = request.filter(Movement.Columns.holdReason == reason) }
                if let apiCode { request = request.filter(Movement.Columns.apiCode == apiCode) }
                var movements = try request.fetchAll(db)
                if let ids {
                    let wanted = Set(ids)
                    movements = movements.filter { wanted.contains($0.id!) }
                }
                for var movement in movements {
                    let wasInDoubt = movement.holdReason == .inDoubt
                    movement.state = .queued
                    movement.holdReason = nil
                    movement.nextAttemptAt = now
                    movement.updatedAt = now
                    if wasInDoubt && movement.kind == .post { movement.possibleDuplicate = true }
                    try movement.updateCached(db)
                    try MovementEvent(
                        movementId: movement.id!, at: now, kind: .state, fromState: .held, toState: .queued,
                        message: ids != nil || byOperator ? "released by operator" : "released: condition cleared"
                    ).insertCached(db)
                    released.append(movement.id!)
                }
                return .commit
            }
            return released
        }
    }

    /// A held movement to probe a paused apiCode with (oldest first).
    public func oldestHeld(reason: HoldReason, apiCode: String?) throws -> Movement? {
        try pool.read { db in
            try Movement.filter(
                Movement.Columns.state == MovementState.held && Movement.Columns.holdReason == reason
                    && Movement.Columns.apiCode == apiCode
            ).order(Movement.Columns.id).fetchOne(db)
        }
    }

    /// Moves one held movement to `sending` for a probe.
    public func claimHeld(_ id: Int64, now: Double) throws -> Delivery? {
        try pool.writeWithoutTransaction { db in
            var delivery: Delivery?
            try db.inTransaction(.immediate) {
                guard var movement = try Movement.fetchCached(db, id: id), movement.state == .held else {
                    return .commit
                }
                movement.state = .sending
                movement.attempts += 1
                movement.sentAt = now
                movement.updatedAt = now
                try movement.updateCached(db)
                try MovementEvent(
                    movementId: id, at: now, kind: .state, fromState: .held, toState: .sending,
                    message: "probe (\(movement.holdReason?.rawValue ?? "hold"))"
                ).insertCached(db)
                delivery = Delivery(
                    movement: movement, targetWasteTrackingId: movement.targetWasteTrackingId,
                    payload: try self.decrypted(movement).payload)
                return .commit
            }
            return delivery
        }
    }
}
