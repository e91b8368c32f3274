import Foundation
import GRDB

/// The alert queue and the watcher's cursor, in the movement database (one transaction queues an alert and
/// moves the cursor past what it reports, so each event is told once, across restarts).
public struct AlertStore: Sendable {
    let store: MovementStore
    static let cursorKey = ServiceStateKey.alertsCursor
    /// Lines kept in one coalesced alert; the rest are counted.
    static let maximumLines = 20

    public init(store: MovementStore) { self.store = store }

    public func cursor() throws -> AlertCursor? {
        try store.pool.read { db in
            try ServiceStateEntry.value(db, Self.cursorKey)
        }.flatMap { try? JSONDecoder().decode(AlertCursor.self, from: Data($0.utf8)) }
    }

    /// Queues `events` for each channel (joining an unsent alert of the same kind) and saves `cursor`.
    public func record(_ events: [AlertEvent], channels: [AlertChannel], cursor: AlertCursor, now: Double) throws {
        let cursorText = String(decoding: try JSONEncoder().encode(cursor), as: UTF8.self)
        try store.pool.write { db in
            for event in events {
                for channel in channels {
                    if var waiting = try Alert.filter(Alert.Columns.channel == channel)
                        .filter(Alert.Columns.kind == event.kind).filter(Alert.Columns.sentAt == nil)
                        .order(Alert.Columns.id).fetchOne(db)
                    {
                        var lines = waiting.lineList
                        if lines.count < Self.maximumLines { lines.append(event.line) }
                        waiting.count += 1
                        waiting.lines = Self.encode(lines)
                        waiting.subject = event.kind.subject(count: waiting.count, latest: event.subject)
                        waiting.updatedAt = now
                        try waiting.update(db)
                    } else {
                        var alert = Alert(
                            id: nil, channel: channel, kind: event.kind, subject: event.subject,
                            lines: Self.encode([event.line]), count: 1, createdAt: now, updatedAt: now, attempts: 0,
                            nextAttemptAt: now, sentAt: nil, lastError: nil)
                        try alert.insert(db)
                    }
                }
            }
            try ServiceStateEntry.set(db, Self.cursorKey, cursorText, now: now)
        }
    }

    /// Unsent alerts due by `now`, oldest first.
    public func due(now: Double, limit: Int = 20) throws -> [Alert] {
        try store.pool.read { db in
            try Alert.filter(Alert.Columns.sentAt == nil).filter(Alert.Columns.nextAttemptAt <= now)
                .order(Alert.Columns.id).limit(limit).fetchAll(db)
        }
    }

    /// When the next unsent alert is due; nil when none waits.
    public func nextDue() throws -> Double? {
        try store.pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM alert WHERE sentAt IS NULL")
        }
    }

    public func markSent(_ id: Int64, now: Double) throws {
        try store.pool.write { db in
            try db.execute(
                sql: "UPDATE alert SET sentAt = ?, attempts = attempts + 1 WHERE id = ?", arguments: [now, id])
        }
    }

    public func markFailed(_ id: Int64, error: String, retryAt: Double) throws {
        try store.pool.write { db in
            try db.execute(
                sql: "UPDATE alert SET attempts = attempts + 1, lastError = ?, nextAttemptAt = ? WHERE id = ?",
                arguments: [error, retryAt, id])
        }
    }

    /// Every alert, newest first (tests, `status`).
    public func all(limit: Int = 1000) throws -> [Alert] {
        try store.pool.read { db in try Alert.order(Alert.Columns.id.desc).limit(limit).fetchAll(db) }
    }

    static func encode(_ lines: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(lines)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
