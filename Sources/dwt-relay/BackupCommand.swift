import ArgumentParser
import DWTRelayCore
import Foundation

/// A consistent copy of the store while the daemon runs; payloads stay encrypted under the storage key.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database while dwt-relay runs (keep the storage key with it: it decrypts the copy).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Where to write the backup (an existing file is refused unless --force).") var file: String
    @Flag(name: .long, help: "Overwrite FILE if it exists.") var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: file) && !force {
            throw ValidationError("\(file) exists; choose another name or pass --force")
        }
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readOnly)
        let result = try store.backup(to: file)
        print("backed up \(result.movements) movement(s) to \(file)")
        if let keyID = result.keyID {
            print(
                "payloads in it are encrypted with storage key \(keyID) (\(config.storageKeyFile)): keep a copy of "
                    + "that key with the backup, apart from it; without the key the movements cannot be read")
        }
    }
}

/// Puts a backup in place on this PC (e.g. a replacement weighbridge PC), refusing a wrong key.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup as this PC's database (stop dwt-relay first; the storage key must match).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A file written by `dwt-relay backup`.") var file: String
    @Flag(name: .long, help: "Restore a backup that holds no movements (refused otherwise).") var allowEmpty = false

    func run() throws {
        let context = try options.context()
        let config = context.config
        if DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true {
            throw ValidationError(
                "dwt-relay is running on \(config.stateDirectory); stop it first (systemctl stop dwt-relay)")
        }
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        guard let key = try StorageKey.load(config: config, create: false) else {
            throw ValidationError(
                "no storage key at \(config.storageKeyFile): put the key that was kept with the backup there first")
        }
        let result = try MovementStore.restore(
            from: file, to: config.databasePath, key: key, allowEmpty: allowEmpty)
        MovementStore.keepOwnership(databasePath: config.databasePath)
        print("restored \(result.movements) movement(s) into \(config.databasePath)")
        if let replaced = result.replaced {
            print("the database that was there is kept whole (its WAL included) as \(replaced)")
        }
        print("start dwt-relay again: systemctl start dwt-relay")
    }
}
