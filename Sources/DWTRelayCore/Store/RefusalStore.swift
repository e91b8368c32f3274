import Foundation
import GRDB

/// Files (and CSV rows) refused locally, each kept until someone deals with it: its own concern in the
/// movement database. Acknowledging, which spans refusals and rejected movements, stays with
/// `MovementStore.acknowledge`.
public struct RefusalStore: Sendable {
    let store: MovementStore

    public init(store: MovementStore) { self.store = store }

    /// Records a refused file (one row per refusal; the same name refused twice is two refusals).
    @discardableResult
    public func record(_ refusal: Refusal) throws -> Refusal {
        try store.pool.write { db in
            var refusal = refusal
            try refusal.insert(db)
            return refusal
        }
    }

    /// Records a refusal unless the same one (site, source, reason) is still open, in one transaction: a CSV
    /// taken again after a crash between its commit and its removal refuses the same rows again. True when
    /// recorded.
    @discardableResult
    public func recordUnlessOpen(_ refusal: Refusal) throws -> Bool {
        try store.pool.write { db in
            let open =
                try Refusal.filter(
                    Refusal.Columns.site == refusal.site && Refusal.Columns.sourceFile == refusal.sourceFile
                        && Refusal.Columns.reason == refusal.reason && Refusal.Columns.acknowledgedAt == nil
                ).isEmpty(db) == false
            if open { return false }
            var refusal = refusal
            try refusal.insert(db)
            return true
        }
    }

    /// Records an entry left in the inbox (not a regular file) unless a report of it is still open, in one
    /// transaction: such an entry is reported once, not at every rescan; again only after an operator
    /// acknowledged the report and the entry is still there. True when recorded.
    public func recordInPlace(_ refusal: Refusal) throws -> Bool {
        try store.pool.write { db in
            let reported =
                try Refusal.filter(
                    Refusal.Columns.site == refusal.site && Refusal.Columns.sourceFile == refusal.sourceFile
                        && Refusal.Columns.failedPath == nil && Refusal.Columns.acknowledgedAt == nil
                ).isEmpty(db) == false
            if reported { return false }
            var refusal = refusal
            try refusal.insert(db)
            return true
        }
    }

    /// Refused files, newest first; `openOnly` keeps those still needing a person.
    public func list(openOnly: Bool = false, site: String? = nil, limit: Int = 1000) throws -> [Refusal] {
        try store.pool.read { db in
            var request = Refusal.order(Refusal.Columns.refusedAt.desc).limit(limit)
            if openOnly { request = request.filter(Refusal.openCondition) }
            if let site { request = request.filter(Refusal.Columns.site == site) }
            return try request.fetchAll(db)
        }
    }

    /// The names in `failed/` of the refused files a person still has to deal with (the file, or the name of
    /// its error report when it was left in place); retention keeps them whatever their age.
    public func openNames() throws -> Set<String> {
        try store.pool.read { db in
            let rows = try Row.fetchAll(
                db,
                Refusal.select(Refusal.Columns.failedPath, Refusal.Columns.sourceFile).filter(Refusal.openCondition))
            return Set(
                rows.map { row in
                    let failedPath: String? = row[0]
                    return failedPath.map { ($0 as NSString).lastPathComponent } ?? row[1]
                })
        }
    }

    /// Refused files in a receipt-time window, oldest first (for `export`).
    public func list(refusedFrom: Double?, to: Double?) throws -> [Refusal] {
        try store.pool.read { db in
            var request = Refusal.order(Refusal.Columns.refusedAt.asc)
            if let refusedFrom { request = request.filter(Refusal.Columns.refusedAt >= refusedFrom) }
            if let to { request = request.filter(Refusal.Columns.refusedAt < to) }
            return try request.fetchAll(db)
        }
    }
}
