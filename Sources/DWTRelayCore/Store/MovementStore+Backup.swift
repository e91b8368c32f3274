import Foundation
import GRDB

/// Online backup and restore of the whole store (movements, their event logs, refusals, service state).
/// Payloads stay encrypted in the copy: the storage key must be kept with it (its id is in the copy).
extension MovementStore {
    /// A consistent copy taken while the daemon runs (SQLite's backup API), written to a temporary file,
    /// made durable and renamed into place: `path` holds a whole backup or nothing.
    public func backup(to path: String) throws -> (movements: Int, keyID: String?) {
        let temporary = path + ".partial-\(getpid())"
        unlink(temporary)
        defer { unlink(temporary) }
        do {
            let destination = try DatabaseQueue(path: temporary)
            try pool.backup(to: destination)
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
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
        let movements = try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement") ?? 0 }
        return (movements, key?.id)
    }

    /// Puts a backup in place as the database at `databasePath` (the daemon must be stopped). The backup is
    /// first opened with `key`: a wrong key, a damaged file or a file that is no dwt-relay database is
    /// refused before anything is touched. An existing database is kept beside it as `.replaced-<time>`.
    public static func restore(
        from backup: String, to databasePath: String, key: StorageKey?, now: Double = Date().timeIntervalSince1970
    ) throws -> (movements: Int, replaced: String?) {
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
            movements = try candidate.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM movement") ?? 0
            }
            try candidate.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            try candidate.pool.close()
        }
        var replaced: String? = nil
        if FileManager.default.fileExists(atPath: databasePath) {
            let aside = databasePath + ".replaced-\(Int(now))"
            guard rename(databasePath, aside) == 0 else {
                throw StoreError.cannotOpen(databasePath, "cannot move the current database aside")
            }
            replaced = aside
        }
        for suffix in ["-wal", "-shm"] { unlink(databasePath + suffix) }
        guard rename(staging, databasePath) == 0 else {
            throw StoreError.cannotOpen(databasePath, "cannot put the restored database in place")
        }
        FileSystem.fsyncDirectory(folder)
        return (movements, replaced)
    }
}
