import Foundation
import GRDB

/// What the office page lists as needing a person, beside the day's loads.
public struct OfficeProblems: Sendable {
    /// Refused files not yet dealt with (acknowledged or a corrected file taken since).
    public var refusals: [Refusal] = []
    /// Rejected movements not yet dealt with.
    public var rejected: [Movement] = []
    public var held: [Movement] = []
    /// Pending movements whose receipt deadline is near or past.
    public var nearDeadline: [Movement] = []
    /// Movements the service may hold twice (an in-doubt POST was resent), received in the last 30 days.
    public var possibleDuplicates: [Movement] = []

    public var isEmpty: Bool {
        refusals.isEmpty && rejected.isEmpty && held.isEmpty && nearDeadline.isEmpty && possibleDuplicates.isEmpty
    }
}

extension MovementStore {
    /// Everything a person should look at, oldest deadline first within each kind (at most `limit` each).
    public func officeProblems(now: Double, deadlineWarningSeconds: Double, limit: Int = 200) throws -> OfficeProblems {
        try pool.read { db in
            var problems = OfficeProblems()
            problems.refusals = try Refusal.filter(Refusal.openCondition).order(Refusal.Columns.deadlineAt).limit(limit)
                .fetchAll(db)
            let byDeadline = [Movement.Columns.deadlineAt, Movement.Columns.id]
            problems.rejected = try Movement.filter(sql: Self.openRejection).order(byDeadline).limit(limit).fetchAll(db)
            problems.held = try Movement.filter(Movement.Columns.state == MovementState.held).order(byDeadline)
                .limit(limit).fetchAll(db)
            problems.nearDeadline = try Movement.filter(
                [MovementState.queued, .sending, .held].contains(Movement.Columns.state)
                    && Movement.Columns.deadlineAt < now + deadlineWarningSeconds
            ).order(byDeadline).limit(limit).fetchAll(db)
            problems.possibleDuplicates = try Movement.filter(
                Movement.Columns.possibleDuplicate == true && Movement.Columns.receivedAt >= now - 30 * 86_400
            ).order(Movement.Columns.id.desc).limit(limit).fetchAll(db)
            return problems
        }
    }
}
