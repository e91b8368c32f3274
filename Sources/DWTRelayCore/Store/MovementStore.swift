import Foundation
import GRDB
import GRDBSQLite
import Logging

/// How a process opens the store: the daemon and the commands that change movements write; the commands that
/// only look (`status`, `list`, `show`, `export`) read, and can do so as a member of the state folder's group.
public enum StoreAccess: Sendable {
    case readWrite
    case readOnly
}

/// Owns the SQLite database: the one place movements are stored, claimed and finished.
///
/// Every write runs in an explicit transaction with `synchronous=FULL` (see `init`), so a commit that acknowledges
/// intake survives power loss. The CLI and the daemon share the file through WAL and a busy timeout.
///
/// The file is created 0640 and its WAL is persistent (kept, truncated, when the last writer closes), so a user
/// who may only read the state folder (the packaged `dwt-relay-readers` group) can open it read-only whether or
/// not the daemon runs: SQLite cannot open a WAL database read-only when its `-wal` and `-shm` are absent and
/// the folder is not writable.
public final class MovementStore: Sendable {
    public let path: String
    let pool: DatabasePool
    let logger: Logger
    /// The database file's identity when it was opened (device, inode), to notice it being deleted or
    /// replaced under a running daemon.
    let identity: (device: UInt64, inode: UInt64)?
    /// Encrypts payloads and service responses; nil only for a database that has never had a key.
    let key: StorageKey?
    /// Whether this database's payloads are encrypted (a key was recorded in it).
    let encrypted: Bool

    public init(
        path: String, key: StorageKey? = nil, access: StoreAccess = .readWrite,
        logger: Logger = Logger(label: "dwt-relay.store")
    ) throws {
        self.path = path
        self.logger = logger
        self.key = key
        if access == .readOnly {
            let opened = try Self.openForReading(path, key: key)
            pool = opened.pool
            identity = opened.identity
            encrypted = opened.encrypted
            return
        }
        let folder = (path as NSString).deletingLastPathComponent
        try Self.prepareFolder(folder)
        if !FileManager.default.fileExists(atPath: path) {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw StoreError.cannotOpen(path, String(cString: strerror(errno))) }
            close(fd)
            // The new file's name survives a power cut (SQLite syncs the folder only for its journals).
            FileSystem.fsyncDirectory(folder)
        }
        var info = stat()
        identity = stat(path, &info) == 0 ? (UInt64(info.st_dev), UInt64(info.st_ino)) : nil
        guard Glibc.access(path, R_OK | W_OK) == 0 else {
            throw StoreError.cannotOpen(path, "no read/write access (\(String(cString: strerror(errno))))")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // After a checkpoint the WAL shrinks back to this size instead of keeping its peak size (and to
            // nothing when the last connection closes, as the WAL is persistent).
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
            try Self.keepWALFiles(db)
        }
        do {
            let pool = try Self.openPool(path, configuration)
            // FULL on the one writing connection, set after the pool exists: GRDB's pool switches its writer to
            // WAL with `synchronous = NORMAL` after `prepareDatabase` runs, which undid a FULL set there. Under
            // NORMAL a commit is not fsynced, so files acknowledged (removed from the inbox) could vanish with
            // the power; the power-loss test found it (`scripts/power-loss`), `StoreDurabilityTests` keeps it.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            self.pool = pool
            // One process migrates at a time: the daemon's first start raced a `status` or `submit` run at the
            // same moment, and the loser failed with "table movement already exists".
            try Self.whileHoldingMigrationLock(path) { try StoreMigrations.migrator.migrate(pool) }
            let recorded = try Self.recordedKeyId(pool, path: path, key: key)
            if recorded == nil, let key {
                try pool.write { db in
                    try ServiceStateEntry.set(db, ServiceStateKey.storageKeyID, key.id, now: Self.now())
                }
            }
            encrypted = recorded != nil || key != nil
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path, error.message ?? "\(error)")
        }
    }

    /// Opens the pool, waiting out another process that is creating the same database: switching a new file
    /// to WAL answers SQLITE_BUSY at once, without the busy timeout, while another first start holds its lock
    /// (six `submit`s at the first start lost one that way, under load).
    private static func openPool(_ path: String, _ configuration: Configuration) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(20_000)
            }
        }
    }

    /// Opens an existing database without writing to it or its folder: no migrations, no key recorded. A
    /// database whose migrations this binary has not applied yet is refused (its columns may be missing) until
    /// the daemon, which writes, has upgraded it.
    private static func openForReading(_ path: String, key: StorageKey?) throws
        -> (pool: DatabasePool, identity: (device: UInt64, inode: UInt64)?, encrypted: Bool)
    {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError.cannotOpen(path, String(cString: strerror(errno)))
        }
        guard access(path, R_OK) == 0 else {
            throw StoreError.cannotOpen(path, "no read access (\(String(cString: strerror(errno))))")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            guard try pool.read(StoreMigrations.migrator.hasCompletedMigrations) else {
                throw StoreError.cannotOpen(
                    path, "it was written by an older dwt-relay; restart the daemon once so that it upgrades it")
            }
            let recorded = try recordedKeyId(pool, path: path, key: key)
            return (pool, (UInt64(info.st_dev), UInt64(info.st_ino)), recorded != nil)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path, error.message ?? "\(error)")
        }
    }

    /// The storage key id the database was sealed with, checked against `key`.
    private static func recordedKeyId(_ pool: DatabasePool, path: String, key: StorageKey?) throws -> String? {
        let recorded = try pool.read { db in
            try ServiceStateEntry.value(db, ServiceStateKey.storageKeyID)
        }
        if let recorded, let key, recorded != key.id { throw StoreError.wrongKey(path) }
        return recorded
    }

    /// Asks SQLite to keep `-wal` and `-shm` when the last writer closes (`SQLITE_FCNTL_PERSIST_WAL`), so
    /// that a reader who cannot create them can still open the database while the daemon is stopped.
    private static func keepWALFiles(_ db: Database) throws {
        var flag: CInt = 1
        let code = withUnsafeMutablePointer(to: &flag) { pointer in
            sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, pointer)
        }
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
    }

    /// Seals data for storage (or passes it through for a database without encryption).
    func seal(_ plain: Data) throws -> Data {
        guard encrypted else { return plain }
        guard let key else { throw StoreError.keyMissing(path) }
        return try key.seal(plain)
    }

    func sealText(_ plain: String?) throws -> String? {
        guard encrypted, plain != nil else { return plain }
        guard let key else { throw StoreError.keyMissing(path) }
        return try key.sealText(plain)
    }

    /// The movement with its payload, warnings and errors readable (for sending, show, results, export).
    public func decrypted(_ movement: Movement) throws -> Movement {
        var plain = movement
        let sealed =
            StorageKey.isSealed(movement.payload) || StorageKey.isSealed(movement.warnings)
            || StorageKey.isSealed(movement.errors)
        guard sealed else { return plain }
        guard let key else { throw StoreError.keyMissing(path) }
        do {
            plain.payload = try key.open(movement.payload)
            plain.warnings = try key.openText(movement.warnings)
            plain.errors = try key.openText(movement.errors)
        } catch {
            throw StoreError.wrongKey(path)
        }
        return plain
    }

    private static func prepareFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreError.cannotOpen(folder, "not a directory") }
            return
        }
        do {
            try FileSystem.createDirectory(folder, mode: 0o700)
        } catch {
            let reason = (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)) } ?? "\(error)"
            throw StoreError.cannotOpen(folder, "cannot create state folder: \(reason)")
        }
    }

    /// Throws `StoreError.replaced` when the file at `path` is no longer the one this store opened: writes
    /// would go to a deleted inode and vanish at the next start. Checked before intake acknowledges files.
    public func verifyStillOnDisk() throws {
        guard let identity else { return }
        var info = stat()
        guard stat(path, &info) == 0, UInt64(info.st_dev) == identity.device, UInt64(info.st_ino) == identity.inode
        else { throw StoreError.replaced(path) }
    }

    /// Runs `body` holding an exclusive `flock` on `<database>.lock`, waiting at most 30 s for another
    /// process's migrations. Never a lock on the database file itself: closing any descriptor of that file
    /// would drop SQLite's own POSIX locks held by this process and let another process corrupt it.
    static func whileHoldingMigrationLock(_ path: String, _ body: () throws -> Void) throws {
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return try body() }  // e.g. a reader without write access to the state folder
        defer { close(fd) }
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK, waited < 3000 else {
                throw StoreError.cannotOpen(path, "another process keeps the database locked for its migrations")
            }
            usleep(10_000)
            waited += 1
        }
        defer { flock(fd, LOCK_UN) }
        try body()
    }

    /// Files a root-run command created or touched beside the database (the WAL and its index) are given
    /// to the state folder's owner, so that the service can still open them: `sudo dwt-relay status` left
    /// a root-owned `-shm` that stopped the daemon.
    public static func keepOwnership(databasePath path: String) {
        guard geteuid() == 0 else { return }
        var folder = stat()
        guard stat((path as NSString).deletingLastPathComponent, &folder) == 0, folder.st_uid != 0 else { return }
        for file in [path, path + "-wal", path + "-shm", path + ".lock"] {
            var info = stat()
            if lstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == 0 {
                _ = chown(file, folder.st_uid, folder.st_gid)
            }
        }
    }

    /// `PRAGMA integrity_check` result ("ok" when sound).
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "unknown" }
    }

    /// Folds the WAL back into the database and truncates it: frees space after a full disk.
    public func checkpoint() {
        _ = try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    public static func now() -> Double { Date().timeIntervalSince1970 }
}

/// Storage failures, each naming the file and what to do.
public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case notFound(Int64)
    case keyMissing(String)
    case wrongKey(String)
    case replaced(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): return "cannot open store \(path): \(why)"
        case .notFound(let id): return "no movement with id \(id)"
        case .keyMissing(let path):
            return "\(path) holds encrypted payloads but no storage key was found (storage.key_file or the "
                + "storage-key credential); restore the key from your backup"
        case .replaced(let path):
            return "the database \(path) was deleted or replaced while the daemon had it open; files stay in the "
                + "inbox. Restore the database (or keep this empty one), then restart dwt-relay"
        case .wrongKey(let path):
            return
                "the storage key does not match the one \(path) was encrypted with; restore the right key from your backup"
        }
    }
}
