import Foundation
import GRDB

/// One reference list fetched from the service, as cached (table `referenceData`).
struct CachedReferenceList: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "referenceData"

    enum Columns {
        static let kind = Column(CodingKeys.kind)
        static let body = Column(CodingKeys.body)
        static let fetchedAt = Column(CodingKeys.fetchedAt)
    }

    var kind: String
    var body: Data
    var fetchedAt: Double
}

/// The reference-data cache (EWC codes, container types, disposal codes, hazard codes, POP names): its own
/// concern in the movement database, so the sender's store does not carry it.
public struct ReferenceDataStore: Sendable {
    let store: MovementStore

    public init(store: MovementStore) { self.store = store }

    /// Caches the five reference lists fetched from the service (all or nothing, in one transaction).
    public func save(_ lists: [String: Data], now: Double) throws {
        try store.pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                for (kind, body) in lists {
                    try CachedReferenceList(kind: kind, body: body, fetchedAt: now).save(db)
                }
                return .commit
            }
        }
    }

    /// The cached lists and when the oldest was fetched; nil when none (or not all five) are cached.
    public func cached() throws -> (data: ReferenceData, fetchedAt: Double)? {
        try store.pool.read { db in
            let lists = try CachedReferenceList.fetchAll(db)
            let raw = Dictionary(lists.map { ($0.kind, $0.body) }, uniquingKeysWith: { first, _ in first })
            guard ReferenceData.kinds.allSatisfy({ raw[$0] != nil }), let data = try? ReferenceData(raw: raw),
                let oldest = lists.map(\.fetchedAt).min()
            else { return nil }
            return (data, oldest)
        }
    }
}
