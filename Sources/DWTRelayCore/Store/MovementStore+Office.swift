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
            problems.rejected = try Movement.fetchAll(
                db, sql: "SELECT * FROM movement WHERE \(Self.openRejection) ORDER BY deadlineAt, id LIMIT ?",
                arguments: [limit])
            problems.held = try Movement.fetchAll(
                db, sql: "SELECT * FROM movement WHERE state = 'held' ORDER BY deadlineAt, id LIMIT ?",
                arguments: [limit])
            problems.nearDeadline = try Movement.fetchAll(
                db,
                sql: """
                    SELECT * FROM movement WHERE state IN ('queued', 'sending', 'held') AND deadlineAt < ?
                    ORDER BY deadlineAt, id LIMIT ?
                    """, arguments: [now + deadlineWarningSeconds, limit])
            problems.possibleDuplicates = try Movement.fetchAll(
                db,
                sql: "SELECT * FROM movement WHERE possibleDuplicate = 1 AND receivedAt >= ? ORDER BY id DESC LIMIT ?",
                arguments: [now - 30 * 86_400, limit])
            return problems
        }
    }
}
