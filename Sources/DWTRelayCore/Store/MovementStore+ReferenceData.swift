import Foundation
import GRDB

extension MovementStore {
    /// Caches the five reference lists fetched from the service (all or nothing, in one transaction).
    public func saveReferenceData(_ lists: [String: Data], now: Double) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                for (kind, body) in lists {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO referenceData(kind, body, fetchedAt) VALUES (?, ?, ?)",
                        arguments: [kind, body, now])
                }
                return .commit
            }
        }
    }

    /// The cached lists and when they were fetched; nil when none (or not all five) are cached.
    public func cachedReferenceData() throws -> (data: ReferenceData, fetchedAt: Double)? {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT kind, body, fetchedAt FROM referenceData")
            var raw: [String: Data] = [:]
            var oldest = Double.greatestFiniteMagnitude
            for row in rows {
                raw[row["kind"]] = row["body"]
                oldest = min(oldest, row["fetchedAt"])
            }
            guard ReferenceData.kinds.allSatisfy({ raw[$0] != nil }), let data = try? ReferenceData(raw: raw) else {
                return nil
            }
            return (data, oldest)
        }
    }
}
