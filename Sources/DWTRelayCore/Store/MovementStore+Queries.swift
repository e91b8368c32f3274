import Foundation
import GRDB

extension MovementStore {
    public func movement(_ id: Int64) throws -> Movement? {
        try pool.read { db in try Movement.fetchOne(db, key: id) }
    }

    public func events(_ id: Int64) throws -> [MovementEvent] {
        try pool.read { db in try MovementEvent.trail(of: id).fetchAll(db) }
    }

    /// Movements newest first, optionally in one state or only possible duplicates.
    public func list(
        state: MovementState? = nil, possibleDuplicatesOnly: Bool = false, site: String? = nil,
        reference: String? = nil, limit: Int = 1000
    ) throws -> [Movement] {
        try pool.read { db in
            var request = Movement.all()
            if let state { request = request.filter(Movement.Columns.state == state) }
            if possibleDuplicatesOnly { request = request.filter(Movement.Columns.possibleDuplicate == true) }
            // What the office knows a load by: its yourUniqueReference, or the ticket's file name.
            if let reference {
                request = request.filter(
                    Movement.Columns.yourUniqueReference == reference
                        || [reference, reference + ".json"].contains(Movement.Columns.sourceFile))
            }
            if let site { request = request.filter(Movement.Columns.site == site) }
            return try request.order(Movement.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// Every movement received in a time window, oldest first (export).
    public func movements(receivedFrom from: Double?, to: Double?) throws -> [Movement] {
        try pool.read { db in
            try Movement.filter(
                Movement.Columns.receivedAt >= from ?? 0 && Movement.Columns.receivedAt < to ?? .greatestFiniteMagnitude
            ).order(Movement.Columns.id).fetchAll(db)
        }
    }

    /// Counts per state for each site (multi-site configs; reads the site index).
    public func siteCounts() throws -> [String: [String: Int]] {
        try pool.read { db in
            var result: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT site, state, COUNT(*) AS n FROM movement WHERE site IS NOT NULL GROUP BY site, state")
            {
                result[row["site"], default: [:]][row["state"]] = row["n"]
            }
            return result
        }
    }

    /// Counts per state, O(1) (kept by triggers).
    public func counts() throws -> [MovementState: Int] {
        try pool.read { db in
            var counts: [MovementState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, n FROM stateCount") {
                if let state = MovementState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// The facts `status` needs, read in one snapshot. Deadlines are counted against `now`.
    /// Not yet recorded at the service: pending, or rejected with no acknowledgement and no corrected file
    /// since (the correction carries the duty from then on).
    static let openDuty = "(state IN ('queued', 'sending', 'held') OR (\(openRejection)))"

    public func statusFacts(now: Double = MovementStore.now(), deadlineWarningSeconds: Double = 12 * 3600) throws
        -> StatusFacts
    {
        try pool.read { db in
            var facts = StatusFacts()
            let open = Self.openDuty
            facts.deadlinesOverdue =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM movement WHERE \(open) AND deadlineAt < ?", arguments: [now]) ?? 0
            facts.deadlinesDueSoon =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM movement WHERE \(open) AND deadlineAt >= ? AND deadlineAt < ?",
                    arguments: [now, now + deadlineWarningSeconds]) ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT state, n FROM stateCount") {
                if let state = MovementState(rawValue: row["state"]) { facts.counts[state] = row["n"] }
            }
            let oldestIds = try ["queued", "sending", "held"].compactMap {
                try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM movement WHERE state = ?", arguments: [$0])
            }
            if let oldest = oldestIds.min() {
                facts.oldestPendingAt = try Double.fetchOne(
                    db, sql: "SELECT receivedAt FROM movement WHERE id = ?", arguments: [oldest])
            }
            facts.possibleDuplicates =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement WHERE possibleDuplicate = 1") ?? 0
            facts.service = try ServiceStateEntry.status(db)
            facts.problems = try self.problemFacts(db, now: now)
            facts.heldByReason = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(
                    db, sql: "SELECT holdReason, COUNT(*) AS n FROM movement WHERE state = 'held' GROUP BY holdReason"
                ).map { ($0["holdReason"] as String? ?? "unknown", $0["n"] as Int) })
            return facts
        }
    }

    /// Deletes accepted movements received before a date (the customer's right to delete). Returns the count.
    /// Accepted movements received before a time, except originals whose revision is still on its way.
    private static let purgeable =
        "FROM movement WHERE state = 'accepted' AND receivedAt < ? AND id NOT IN "
        + "(SELECT revisionOf FROM movement WHERE revisionOf IS NOT NULL AND state <> 'accepted')"

    public func purgeAccepted(before: Double) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE " + Self.purgeable, arguments: [before])
            return db.changesCount
        }
    }

    public func countPurgeable(before: Double) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) " + Self.purgeable, arguments: [before]) ?? 0 }
    }
}

/// Raw facts for the status report.
public struct StatusFacts: Sendable {
    public var counts: [MovementState: Int] = [:]
    public var oldestPendingAt: Double?
    public var possibleDuplicates = 0
    /// What the daemon and the sender recorded about the service and themselves.
    public var service = ServiceStatus()
    public var heldByReason: [String: Int] = [:]
    public var deadlinesDueSoon = 0
    public var deadlinesOverdue = 0
    public var problems = ProblemFacts()

    /// Loads the law still requires and the relay has not delivered: queued, being sent or held.
    public var pending: Int { (counts[.queued] ?? 0) + (counts[.sending] ?? 0) + (counts[.held] ?? 0) }

    public init() {}
}
