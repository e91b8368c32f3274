import Foundation
import GRDB

/// What the alert watcher has not told yet, found by watermarks over every problem, never by a page of the
/// open ones: a page of the first 200 by deadline hid the 201st refusal of a broken weekend for ever.
extension MovementStore {
    /// Problems opened after the watermarks, oldest first, at most `limit` of each; the watcher moves its
    /// watermarks past what it tells and gets the rest on its next pass.
    public struct News: Sendable {
        public var refusals: [Refusal] = []
        /// Rejected movements still open, each with the id of the event that rejected it.
        public var rejections: [(movement: Movement, eventID: Int64)] = []
        /// The last rejection event looked at, open or since closed: the watermark moves past all of them.
        public var rejectionEventsSeenUpTo: Int64?
    }

    /// Refusals are numbered when they happen, so their id is the watermark. A movement is rejected some time
    /// after its id was given (a retry, a revision), so a rejection is found by the id of the event that
    /// recorded it.
    public func news(afterRefusal refusalID: Int64, afterRejectionEvent eventID: Int64, limit: Int = 500) throws
        -> News
    {
        try pool.read { db in
            var news = News()
            news.refusals = try Refusal.filter(Refusal.openCondition && Refusal.Columns.id > refusalID)
                .order(Refusal.Columns.id).limit(limit).fetchAll(db)
            let rejected = try Row.fetchAll(
                db,
                sql: """
                    SELECT movementEvent.id AS eventID, movementEvent.movementId AS movementID FROM movementEvent
                    WHERE movementEvent.id > ? AND movementEvent.toState = 'rejected'
                    ORDER BY movementEvent.id LIMIT ?
                    """, arguments: [eventID, limit])
            let ids = rejected.map { $0["movementID"] as Int64 }
            let open = Dictionary(
                uniqueKeysWithValues: try Movement.filter(ids.contains(Movement.Columns.id))
                    .filter(sql: Self.openRejection).fetchAll(db).map { ($0.id ?? 0, $0) })
            news.rejections = rejected.compactMap { row in
                open[row["movementID"]].map { ($0, row["eventID"] as Int64) }
            }
            news.rejectionEventsSeenUpTo = rejected.last?["eventID"]
            return news
        }
    }

    /// The newest event id: a new watermark starts after what already happened (history is not news).
    public func latestEventID() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM movementEvent") ?? 0 }
    }
}
