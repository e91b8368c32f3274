import Foundation
import GRDB

@testable import DWTRelayCore

extension MovementStore {
    /// Empties every table and restarts every id, leaving the schema, the connections and their compiled
    /// statements: the store then holds what a newly made one holds. The tables are read from the schema, so
    /// a table a later migration adds is erased too (`erasedStoreIsLikeANewOne` checks it against a new store).
    func eraseEverything() throws {
        try pool.write { db in
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master
                    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                    """)
            for table in tables { try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)") }
            if try db.tableExists("sqlite_sequence") { try db.execute(sql: "DELETE FROM sqlite_sequence") }
        }
    }

    /// Every table's rows, for comparing two stores' contents (ids and times included).
    func everyRow() throws -> [String: [[String: String]]] {
        try pool.read { db in
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'grdb_migrations'")
            var rows: [String: [[String: String]]] = [:]
            for table in tables {
                rows[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier)").map { row in
                    Dictionary(uniqueKeysWithValues: row.map { ($0.0, $0.1.description) })
                }
            }
            return rows
        }
    }

    /// Makes SQLite refuse every write on the store's writer connection (as a full disk would) or take them
    /// again: the model test's store failures, through the real store's own error paths.
    func refuseWrites(_ refuse: Bool) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = \(refuse ? 1 : 0)") }
    }
}
