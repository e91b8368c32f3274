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
