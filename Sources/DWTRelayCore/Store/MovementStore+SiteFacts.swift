import Foundation
import GRDB

/// What a fleet's rules judge one site by, for a relay that serves several (`sites:`): the counts
/// `statusFacts` gives for the whole relay, per site, so that `/metrics` can label each with its site.
public struct SiteFacts: Sendable, Equatable {
    public var rejectionsUnacknowledged = 0
    public var refusedFilesUnacknowledged = 0
    public var deadlinesOverdue = 0
    public var deadlinesDueSoon = 0
    public var possibleDuplicates = 0
    public var oldestPendingAt: Double?

    public init() {}
}

extension MovementStore {
    /// Per site name; a site with nothing to count is absent (read it as `SiteFacts()`).
    public func siteFacts(now: Double = MovementStore.now(), deadlineWarningSeconds: Double = 12 * 3600) throws
        -> [String: SiteFacts]
    {
        try pool.read { db in
            var sites: [String: SiteFacts] = [:]
            func each(_ sql: String, _ arguments: StatementArguments = [], _ apply: (inout SiteFacts, Row) -> Void)
                throws
            {
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                    guard let site = row[0] as String? else { continue }
                    apply(&sites[site, default: SiteFacts()], row)
                }
            }
            try each("SELECT site, COUNT(*) FROM movement WHERE \(Self.openRejection) GROUP BY site") {
                $0.rejectionsUnacknowledged = $1[1]
            }
            try each(
                "SELECT site, COUNT(*) FROM movement WHERE \(Self.openDuty) AND deadlineAt < ? GROUP BY site", [now]
            ) { $0.deadlinesOverdue = $1[1] }
            try each(
                "SELECT site, COUNT(*) FROM movement WHERE \(Self.openDuty) AND deadlineAt >= ? AND deadlineAt < ? "
                    + "GROUP BY site", [now, now + deadlineWarningSeconds]
            ) { $0.deadlinesDueSoon = $1[1] }
            try each("SELECT site, COUNT(*) FROM movement WHERE possibleDuplicate = 1 GROUP BY site") {
                $0.possibleDuplicates = $1[1]
            }
            try each(
                "SELECT site, MIN(receivedAt) FROM movement WHERE state IN ('queued', 'sending', 'held') GROUP BY site"
            ) { $0.oldestPendingAt = $1[1] }
            let refusals = Refusal.filter(Refusal.openCondition)
                .select(Refusal.Columns.site, count(SQL(sql: "*"))).group(Refusal.Columns.site)
            for row in try Row.fetchAll(db, refusals) {
                guard let site = row[0] as String? else { continue }
                sites[site, default: SiteFacts()].refusedFilesUnacknowledged = row[1]
            }
            return sites
        }
    }
}
