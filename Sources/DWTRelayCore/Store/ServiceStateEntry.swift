import Foundation
import GRDB

/// One fact the daemon keeps about the service and itself (table `serviceState`): sign-in state, last
/// acceptance, service-charge expiry per apiCode, the alert watcher's cursor, the storage key's id. Read
/// through this record; written by `MovementStore.setServiceState` (a cached upsert: the sender writes
/// facts on every turn).
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
    static func value(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, select(Columns.value).filter(Columns.key == key))
    }
}
