import Foundation
import GRDB

/// Online backup and restore of the whole store (movements, their event logs, refusals, service state).
/// Payloads stay encrypted in the copy: the storage key must be kept with it (its id is in the copy).
extension MovementStore {
    /// A consistent copy taken while the daemon runs (SQLite's backup API), written to a temporary file,
    /// marked as a dwt-relay backup (`BackupMarker`), made durable and renamed into place: `path` holds a
    /// whole backup or nothing.
    public func backup(to path: String, now: Double = Date().timeIntervalSince1970) throws -> (
        movements: Int, keyID: String?
    ) {
        let temporary = path + ".partial-\(getpid())"
        unlink(temporary)
        defer { unlink(temporary) }
        let movements: Int
        do {
            let destination = try DatabaseQueue(path: temporary)
            try pool.backup(to: destination)
            movements = try destination.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return try BackupMarker.write(db, now: now)
            }
            try destination.close()
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path, error.message ?? "\(error)")
        }
        chmod(temporary, 0o600)
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(temporary, path) == 0 else {
            throw StoreError.cannotOpen(path, "cannot write the backup: \(String(cString: strerror(errno)))")
        }
        FileSystem.fsyncDirectory((path as NSString).deletingLastPathComponent)
        return (movements, key?.id)
    }

    /// Puts a backup in place as the database at `databasePath` (the daemon must be stopped).
    ///
    /// Nothing is touched until the backup has passed every check: it is inspected read-only first (a
    /// dwt-relay backup made by `backup`, not empty unless `allowEmpty`), so an empty file, another program's
    /// database or a copy that failed is never migrated into an empty store and put in place; then a staged
    /// copy is opened with `key` (a wrong key or a damaged file is refused). The database that was there is
    /// kept whole beside it as `.replaced-<time>`: its WAL, which after a crash holds the latest movements,
    /// is checkpointed into it and whatever remains moves with it, never deleted.
    public static func restore(
        from backup: String, to databasePath: String, key: StorageKey?, allowEmpty: Bool = false,
        now: Double = Date().timeIntervalSince1970
    ) throws -> (movements: Int, replaced: String?) {
        let marker = try BackupMarker.inspect(backup)
        if marker.movements == 0 && !allowEmpty {
            throw StoreError.cannotOpen(
                backup,
                "the backup holds no movements; restoring it would leave this PC with an empty queue. If that "
                    + "is what you want, restore again with --allow-empty")
        }
        let folder = (databasePath as NSString).deletingLastPathComponent
        let staging = folder + "/.restore-\(getpid()).sqlite"
        unlink(staging)
        defer {
            for suffix in ["", "-wal", "-shm", ".lock"] { unlink(staging + suffix) }
        }
        guard let data = FileManager.default.contents(atPath: backup) else {
            throw StoreError.cannotOpen(backup, "cannot read the backup file")
        }
        try FileSystem.writeAtomically(data, to: staging, mode: 0o600)
        let movements: Int
        do {
            let candidate: MovementStore
            do {
                candidate = try MovementStore(path: staging, key: key)
            } catch StoreError.wrongKey {
                throw StoreError.cannotOpen(
                    backup,
                    "it was made with another storage key than this PC's; put the key kept with the backup "
                        + "in storage.key_file, then restore again")
            }
            guard try candidate.integrityCheck() == "ok" else {
                throw StoreError.cannotOpen(backup, "the backup is damaged (integrity check failed)")
            }
            movements = try candidate.pool.write { db in
                // The marker says what the file is; once restored it is a live database again.
                try BackupMarker.remove(db)
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement") ?? 0
            }
            try candidate.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            try candidate.pool.close()
        }
        let replaced = try setAside(databasePath, now: now)
        guard rename(staging, databasePath) == 0 else {
            throw StoreError.cannotOpen(databasePath, "cannot put the restored database in place")
        }
        FileSystem.fsyncDirectory(folder)
        return (movements, replaced)
    }

    /// Moves the database at `path` aside as `path.replaced-<time>`, whole: its WAL is checkpointed into the
    /// main file first, and any `-wal` or `-shm` that remains (a checkpoint that could not run on a damaged
    /// file) is renamed with it, so SQLite opens the kept copy with everything the live one held.
    static func setAside(_ path: String, now: Double) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        if let live = try? DatabaseQueue(path: path) {
            _ = try? live.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try? live.close()
        }
        let aside = path + ".replaced-\(Int(now))"
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            guard rename(path + suffix, aside + suffix) == 0 else {
                throw StoreError.cannotOpen(
                    path, "cannot move the current database aside: \(String(cString: strerror(errno)))")
            }
        }
        FileSystem.fsyncDirectory((path as NSString).deletingLastPathComponent)
        return aside
    }
}

/// What marks a file as a backup written by `dwt-relay backup`: SQLite's application id in the header and a
/// one-row table saying when, by which version and with how many movements it was made. `restore` reads both
/// read-only before it migrates or moves anything.
enum BackupMarker {
    /// "DWTR" in the SQLite header's application-id field.
    static let applicationID: Int32 = 0x4457_5452
    static let table = "dwt_relay_backup"

    /// Marks a fresh copy and returns how many movements it holds.
    static func write(_ db: Database, now: Double) throws -> Int {
        let movements = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement") ?? 0
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(
            sql: "CREATE TABLE \(table) (madeAt REAL NOT NULL, relayVersion TEXT NOT NULL, movements INTEGER NOT NULL)")
        try db.execute(
            sql: "INSERT INTO \(table) (madeAt, relayVersion, movements) VALUES (?, ?, ?)",
            arguments: [now, RelayVersion.current, movements])
        return movements
    }

    static func remove(_ db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
        try db.execute(sql: "PRAGMA application_id = 0")
    }

    /// Reads the marker of `path` without writing to it; throws a sentence for a person when the file is not
    /// a dwt-relay backup.
    static func inspect(_ path: String) throws -> (movements: Int, madeAt: Double) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError.cannotOpen(path, "cannot read the backup file: \(String(cString: strerror(errno)))")
        }
        guard info.st_size > 0 else {
            throw StoreError.cannotOpen(
                path, "the file is empty (0 bytes): the backup copy failed. Nothing was changed; use another backup")
        }
        let notABackup =
            "it is not a backup made by `dwt-relay backup` (no dwt-relay backup marker). Nothing was changed; "
            + "restore only a file written by `dwt-relay backup`"
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                guard id == applicationID, try db.tableExists(table), try db.tableExists("movement"),
                    let row = try Row.fetchOne(db, sql: "SELECT madeAt, movements FROM \(table) LIMIT 1")
                else { throw StoreError.cannotOpen(path, notABackup) }
                let counted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement") ?? 0
                guard counted == row["movements"] as Int else {
                    throw StoreError.cannotOpen(
                        path,
                        "the backup says it holds \(row["movements"] as Int) movement(s) but has \(counted): it is "
                            + "damaged or was changed after it was made. Nothing was changed; use another backup")
                }
                return (counted, row["madeAt"])
            }
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(
                path, "it is not a readable SQLite database (\(error.message ?? "\(error)")). Nothing was changed")
        }
    }
}
