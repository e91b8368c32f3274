import Foundation
import GRDB

/// Loads not yet reported that need a person: rejected movements (400) and refused files. Each keeps
/// `status` at WARNING until an operator acknowledges it or a corrected file follows; CRITICAL once its
/// receipt deadline has passed.
extension MovementStore {
    /// A rejected movement still needing a person: not acknowledged, and no later movement of the same
    /// reference (a corrected file) has been taken since.
    static let openRejection = """
        state = 'rejected' AND acknowledgedAt IS NULL AND NOT EXISTS (
            SELECT 1 FROM movement later WHERE later.yourUniqueReference = movement.yourUniqueReference
            AND later.id > movement.id)
        """

    /// Records a refused file (one row per refusal; the same name refused twice is two refusals).
    @discardableResult
    public func recordRefusal(_ refusal: Refusal) throws -> Refusal {
        try pool.write { db in
            var refusal = refusal
            try refusal.insert(db)
            return refusal
        }
    }

    /// Records a refusal unless the same one (site, source, reason) is still open, in one transaction: a CSV
    /// taken again after a crash between its commit and its removal refuses the same rows again. True when
    /// recorded.
    @discardableResult
    public func recordRefusalUnlessOpen(_ refusal: Refusal) throws -> Bool {
        try pool.write { db in
            let open =
                try Refusal.filter(
                    Refusal.Columns.site == refusal.site && Refusal.Columns.sourceFile == refusal.sourceFile
                        && Refusal.Columns.reason == refusal.reason && Refusal.Columns.acknowledgedAt == nil
                ).isEmpty(db) == false
            if open { return false }
            var refusal = refusal
            try refusal.insert(db)
            return true
        }
    }

    /// Records an entry left in the inbox (not a regular file) unless a report of it is still open, in one
    /// transaction: such an entry is reported once, not at every rescan; again only after an operator
    /// acknowledged the report and the entry is still there. True when recorded.
    public func recordRefusalInPlace(_ refusal: Refusal) throws -> Bool {
        try pool.write { db in
            let reported =
                try Refusal.filter(
                    Refusal.Columns.site == refusal.site && Refusal.Columns.sourceFile == refusal.sourceFile
                        && Refusal.Columns.failedPath == nil && Refusal.Columns.acknowledgedAt == nil
                ).isEmpty(db) == false
            if reported { return false }
            var refusal = refusal
            try refusal.insert(db)
            return true
        }
    }

    /// Refused files, newest first; `openOnly` keeps those still needing a person.
    public func refusals(openOnly: Bool = false, site: String? = nil, limit: Int = 1000) throws -> [Refusal] {
        try pool.read { db in
            var request = Refusal.order(Refusal.Columns.refusedAt.desc).limit(limit)
            if openOnly { request = request.filter(Refusal.openCondition) }
            if let site { request = request.filter(Refusal.Columns.site == site) }
            return try request.fetchAll(db)
        }
    }

    /// The names in `failed/` of the refused files a person still has to deal with (the file, or the name of
    /// its error report when it was left in place); retention keeps them whatever their age.
    public func openRefusalNames() throws -> Set<String> {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                Refusal.select(Refusal.Columns.failedPath, Refusal.Columns.sourceFile).filter(Refusal.openCondition))
            return Set(
                rows.map { row in
                    let failedPath: String? = row[0]
                    return failedPath.map { ($0 as NSString).lastPathComponent } ?? row[1]
                })
        }
    }

    /// Refused files in a receipt-time window, oldest first (for `export`).
    public func refusals(refusedFrom: Double?, to: Double?) throws -> [Refusal] {
        try pool.read { db in
            var request = Refusal.order(Refusal.Columns.refusedAt.asc)
            if let refusedFrom { request = request.filter(Refusal.Columns.refusedAt >= refusedFrom) }
            if let to { request = request.filter(Refusal.Columns.refusedAt < to) }
            return try request.fetchAll(db)
        }
    }

    /// What an acknowledgement changed, and what it could not (so the command can say why and fail).
    public struct Acknowledgement: Sendable, Equatable {
        public var movements: [Int64] = []
        public var refusals: [Int64] = []
        /// Named but not acknowledgeable: unknown, or not a rejected movement.
        public var refused: [String] = []
    }

    /// An operator has dealt with these rejected movements and refused files (`all`: every open one).
    public func acknowledge(movementIDs: [Int64], refusalIDs: [Int64], all: Bool, now: Double) throws
        -> Acknowledgement
    {
        try pool.write { db in
            var result = Acknowledgement()
            var movements = movementIDs
            var refusals = refusalIDs
            if all {
                movements += try Int64.fetchAll(db, sql: "SELECT id FROM movement WHERE \(Self.openRejection)")
                refusals += try Refusal.filter(Refusal.openCondition).select(Refusal.Columns.id, as: Int64.self)
                    .fetchAll(db)
            }
            for id in Set(movements).sorted() {
                try db.execute(
                    sql: "UPDATE movement SET acknowledgedAt = ? WHERE id = ? AND state = 'rejected'",
                    arguments: [now, id])
                guard db.changesCount == 1 else {
                    result.refused.append("\(id)")
                    continue
                }
                try MovementEvent(movementId: id, at: now, kind: .note, message: "rejection acknowledged by operator")
                    .insertCached(db)
                result.movements.append(id)
            }
            for id in Set(refusals).sorted() {
                try db.execute(
                    sql: "UPDATE refusal SET acknowledgedAt = ? WHERE id = ? AND acknowledgedAt IS NULL",
                    arguments: [now, id])
                if db.changesCount == 1 { result.refusals.append(id) } else { result.refused.append("F\(id)") }
            }
            return result
        }
    }

    /// Counts for `status`: open rejections and refusals, and how many of them are past their deadline.
    func problemFacts(_ db: Database, now: Double) throws -> ProblemFacts {
        var facts = ProblemFacts()
        facts.openRejections =
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement WHERE \(Self.openRejection)") ?? 0
        facts.openRefusals = try Refusal.filter(Refusal.openCondition).fetchCount(db)
        facts.refusalsOverdue = try Refusal.filter(Refusal.openCondition).filter(Refusal.Columns.deadlineAt < now)
            .fetchCount(db)
        facts.oldestOpenRefusal = try Refusal.filter(Refusal.openCondition).order(Refusal.Columns.refusedAt.asc)
            .fetchOne(db)
        return facts
    }
}

/// Loads not yet reported that need a person (see `MovementStore+Problems`).
public struct ProblemFacts: Sendable {
    public var openRejections = 0
    public var openRefusals = 0
    public var refusalsOverdue = 0
    public var oldestOpenRefusal: Refusal?
}
