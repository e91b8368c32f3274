import ArgumentParser
import DWTRelayCore
import Foundation
import Logging

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $DWT_RELAY_CONFIG or /etc/dwt-relay/dwt-relay.yaml).")
    var config: String?

    @Option(name: .long, help: "Log format: text (journald-friendly) or json.")
    var logFormat: RelayLogHandler.Format = .text

    /// The effective config. An explicitly named file must exist; the default one may be absent.
    func loadConfig() throws -> RelayConfig {
        if let config { return try RelayConfig.load(path: config, mustExist: true) }
        return try RelayConfig.load(path: RelayConfig.defaultPath(), mustExist: false)
    }

    /// The effective config for a command that checks configuration (`check-config`, `try-mapping`): a
    /// config error is printed and ends the command with 78, as `run` would.
    func loadConfigOrExit() throws -> RelayConfig {
        do {
            return try loadConfig()
        } catch let error as ConfigError {
            printError("dwt-relay: \(error)")
            throw ExitCode(RunCommand.configErrorExitCode)
        }
    }

    /// Sets up logging once per process (never in tests).
    func bootstrapLogging(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { [logFormat] label in RelayLogHandler(label: label, level: parsed, format: logFormat) }
        return Logger(label: "dwt-relay")
    }

    /// The config and the store, for a command that works with them.
    func context() throws -> CommandContext { CommandContext(options: self, config: try loadConfig()) }

    /// Opens the store (commands go through `CommandContext.store`). `createKey` lets a command that stores movements create the storage key on a
    /// fresh system; commands that only read metadata work without the key. A read-only command
    /// (`readOnly`) opens the database read-only and never creates one: before the daemon's first start it gets
    /// `NoDatabaseYet`, and a user outside the state folder's group is told which group to join.
    /// Run as root, whatever SQLite created beside the database is handed to the state folder's owner.
    fileprivate func openStore(_ config: RelayConfig, createKey: Bool, readOnly: Bool) throws -> MovementStore {
        if readOnly { try Self.checkReadable(config) }
        defer { MovementStore.keepOwnership(databasePath: config.databasePath) }
        let key: StorageKey?
        do {
            key = try StorageKey.load(config: config, create: createKey)
        } catch  where !createKey {
            key = nil  // e.g. `status` run by a monitoring user who may not read the key
        }
        return try MovementStore(
            path: config.databasePath, key: key, access: readOnly ? .readOnly : .readWrite,
            logger: Logger(label: "dwt-relay.cli"))
    }

    /// Before a read-only open: no database yet, or a database this user may not read (with the group to join).
    static func checkReadable(_ config: RelayConfig) throws {
        var info = stat()
        if stat(config.databasePath, &info) == 0 {
            guard access(config.databasePath, R_OK) == 0 else {
                throw NoReadAccess(path: config.databasePath, group: info.st_gid)
            }
            return
        }
        let missing = errno
        var folder = stat()
        let folderFound = stat(config.stateDirectory, &folder) == 0
        if missing == EACCES, folderFound {
            throw NoReadAccess(path: config.stateDirectory, group: folder.st_gid)
        }
        // A state path that is not a folder is not "no database yet": opening it gives the real error.
        if missing == ENOENT && (!folderFound || (folder.st_mode & S_IFMT) == S_IFDIR) {
            throw NoDatabaseYet(path: config.databasePath)
        }
    }
}

/// A read-only command may not read the state: names the file and the group whose members may.
struct NoReadAccess: Error, CustomStringConvertible {
    let path: String
    let group: gid_t
    var description: String {
        let name = getgrgid(group).map { String(cString: $0.pointee.gr_name) } ?? "\(group)"
        let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) }
        return "\(user ?? "user \(geteuid())") may not read \(path): its group is \(name). To let a user look "
            + "without root, an administrator runs: adduser \(user ?? "USER") \(name) (then log in again)"
    }
}

/// A read-only command found no database: the daemon has never started (nothing was created).
struct NoDatabaseYet: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "no database at \(path) yet: the daemon has never started (start it: systemctl start dwt-relay)"
    }
}

/// Prints to stderr (messages for people; stdout stays machine-readable); an error in the journal when
/// systemd runs the command.
func printError(_ text: String) {
    RelayLogHandler.writeToStandardError(text, level: .error)
}

/// Parses a date given on the command line (`2026-11-20` or full ISO 8601).
func parseDateArgument(_ text: String?, option: String) throws -> Double? {
    guard let text else { return nil }
    guard let value = ISO8601.parse(text) else {
        throw ValidationError("\(option): expected a date like 2026-11-20 or 2026-11-20T12:00:00Z, got \"\(text)\"")
    }
    return value
}

/// What a command works with, made once from the global options (SwiftPM's `SwiftCommandState` is the
/// model): the effective config, and the store opened the way the command needs it.
struct CommandContext {
    /// How a command uses the store.
    enum StoreAccess {
        /// Reads only: the database opened read-only, never created; works for the readers' group.
        case readOnly
        /// Changes state (retry, ack, purge, the reference-data cache).
        case readWrite
        /// Stores movements: may create the storage key on a fresh system.
        case storing
    }

    let options: GlobalOptions
    let config: RelayConfig

    func store(_ access: StoreAccess) throws -> MovementStore {
        try options.openStore(config, createKey: access == .storing, readOnly: access == .readOnly)
    }
}
