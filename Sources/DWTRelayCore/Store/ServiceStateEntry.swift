import Foundation
import GRDB

/// One fact the daemon keeps about the service and itself (table `serviceState`): sign-in state, last
/// acceptance, service-charge expiry per apiCode, the alert watcher's cursor, the storage key's id (keys:
/// `ServiceStateKey`). Read through this record; written by `set` (a cached upsert: the sender writes facts
/// on every turn).
struct ServiceStateEntry: Codable, FetchableRecord, TableRecord {
    static let databaseTableName = "serviceState"

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let value = Column(CodingKeys.value)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    var key: String
    var value: String
    var updatedAt: Double

    /// The value of one fact, nil when it is not set.
    static func value(_ db: Database, _ key: ServiceStateKey) throws -> String? {
        try String.fetchOne(db, select(Columns.value).filter(Columns.key == key.description))
    }

    /// Every fact, typed.
    static func status(_ db: Database) throws -> ServiceStatus {
        ServiceStatus(rows: try fetchAll(db).map { ($0.key, $0.value, $0.updatedAt) })
    }
}

extension ServiceStateEntry {
    /// Sets a fact (nil deletes it) inside a transaction the caller holds: the sender writes its facts with
    /// the outcomes of a turn, the alert watcher its cursor with the alerts it queued. A cached statement,
    /// as this runs on every turn of the sender.
    static func set(_ db: Database, _ key: ServiceStateKey, _ value: String?, now: Double) throws {
        if let value {
            try db.cachedStatement(
                sql: """
                    INSERT INTO serviceState(key, value, updatedAt) VALUES (?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                    """
            ).execute(arguments: [key.description, value, now])
        } else {
            try db.cachedStatement(sql: "DELETE FROM serviceState WHERE key = ?").execute(arguments: [key.description])
        }
    }
}

/// What the daemon and the sender record about the service and themselves (`ServiceFact`, the keys of
/// `ServiceStateKey`), for `status`, `/metrics`, the office page and alerts: its own concern in the movement
/// database.
public struct ServiceStatusStore: Sendable {
    let store: MovementStore

    public init(store: MovementStore) { self.store = store }

    /// One fact's value, nil when it is not set.
    public func value(_ key: ServiceStateKey) throws -> String? {
        try store.pool.read { db in try ServiceStateEntry.value(db, key) }
    }

    /// Sets one key (nil deletes it).
    public func set(_ key: ServiceStateKey, _ value: String?) throws {
        try store.pool.write { db in try ServiceStateEntry.set(db, key, value, now: MovementStore.now()) }
    }

    /// Publishes a fact: all of its keys in one transaction, stamped `now` (the publisher's wall clock).
    public func publish(_ fact: ServiceFact, now: Double = MovementStore.now()) throws {
        try store.pool.write { db in
            for (key, value) in fact.entries { try ServiceStateEntry.set(db, key, value, now: now) }
        }
    }
}
