import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import GRDB
import Testing

/// `backup` while files arrive, `restore` on another "PC" (state folder), through the real binary.
@Suite(.serialized) struct BackupRestoreTests {
    struct Summary: Equatable {
        var id: Int64
        var state: MovementState
        var reference: String?
        var wasteTrackingId: String?
        var events: Int
    }

    static func summaries(_ store: MovementStore) throws -> [Summary] {
        try store.list(limit: 100_000).map {
            Summary(
                id: $0.id!, state: $0.state, reference: $0.yourUniqueReference, wasteTrackingId: $0.wasteTrackingId,
                events: try store.events($0.id!).count)
        }.sorted { $0.id < $1.id }
    }

    @Test func backupWhileFilesArriveThenRestoreOnAnotherPC() async throws {
        try await RelayHarness.run { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            for index in 0..<40 {
                try harness.drop("b\(index).json", TestFixtures.movement(reference: "BACKUP-\(index)"))
            }
            // A backup taken mid-stream is a consistent snapshot: whatever it holds, the source holds too.
            let midway = try await RelayProcess.run(["backup", harness.folder.sub("mid.sqlite"), "--config", path])
            #expect(midway.status == 0, "\(midway.err)")
            #expect(await eventually { (try? harness.allFinal(count: 40)) == true })
            let final = try await RelayProcess.run(["backup", harness.folder.sub("final.sqlite"), "--config", path])
            #expect(final.status == 0, "\(final.err)")
            #expect(final.out.contains("backed up 40 movement(s)"))
            #expect(final.out.contains("keep a copy of that key"))

            // The other PC: its own state folder, the same key (kept with the backup).
            let other = TemporaryFolder()
            var otherConfig = harness.config
            try otherConfig.set("paths.state", other.sub("state"), origin: "test")
            let otherPath = try RelayProcess.writeConfig(otherConfig, in: other)
            let restored = try await RelayProcess.run([
                "restore", harness.folder.sub("final.sqlite"), "--config", otherPath,
            ])
            #expect(restored.status == 0, "\(restored.err)")
            let key = try StorageKey.load(config: otherConfig, create: false)
            let copy = try MovementStore(path: otherConfig.databasePath, key: key)
            #expect(try Self.summaries(copy) == Self.summaries(harness.store))
            let payload = try #require(try copy.list().first.map(copy.decrypted)?.payload)
            #expect(String(decoding: payload, as: UTF8.self).contains("BACKUP-"), "payloads readable with the key")

            let mid = try MovementStore(path: harness.folder.sub("mid.sqlite"), key: key)
            let source = Dictionary(uniqueKeysWithValues: try Self.summaries(harness.store).map { ($0.id, $0) })
            for summary in try Self.summaries(mid) {
                #expect(source[summary.id]?.reference == summary.reference)
            }
        }
    }

    @Test func restoreRefusesABackupMadeWithAnotherKey() async throws {
        try await RelayHarness.run { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            try harness.drop("k.json", TestFixtures.movement(reference: "KEY-1"))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            #expect(
                try await RelayProcess.run(["backup", harness.folder.sub("k.sqlite"), "--config", path]).status == 0)
            let other = TemporaryFolder()
            var otherConfig = harness.config
            try otherConfig.set("paths.state", other.sub("state"), origin: "test")
            try otherConfig.set("storage.key_file", other.sub("another-key"), origin: "test")
            _ = try StorageKey.load(config: otherConfig, create: true)
            let otherPath = try RelayProcess.writeConfig(otherConfig, in: other)
            let refused = try await RelayProcess.run(["restore", harness.folder.sub("k.sqlite"), "--config", otherPath])
            #expect(refused.status != 0)
            #expect(refused.err.contains("another storage key"), "\(refused.err)")
            #expect(!FileManager.default.fileExists(atPath: otherConfig.databasePath), "nothing put in place")
        }
    }

    /// A site's state folder with `count` movements taken in, no daemon running (restore needs it stopped).
    static func site(in folder: TemporaryFolder, named name: String, movements count: Int) throws -> (
        config: RelayConfig, key: StorageKey?, store: MovementStore, configPath: String
    ) {
        let config = try RelayConfig(values: [
            "paths.state": folder.sub(name), "storage.key_file": folder.sub("storage-key"),
            "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.results": folder.sub("results"), "http.listen": "off",
        ])
        let key = try StorageKey.load(config: config, create: true)
        let store = try MovementStore(path: config.databasePath, key: key)
        let intake = try MovementIntake(config: config)
        for index in 0..<count {
            let body = try TestFixtures.movement(reference: "\(name.uppercased())-\(index)")
            _ = try store.ingest([try intake.check(body, source: .submit, sourceFile: "\(name)\(index).json")])
        }
        return (config, key, store, try RelayProcess.writeConfig(config, in: folder))
    }

    /// An SQLite file that is not ours: empty, or another program's with a table named like ours.
    static func foreignDatabase(at path: String, withTable: Bool) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS scratch (x)")
            if withTable {
                try db.execute(sql: "CREATE TABLE movement (id INTEGER PRIMARY KEY, what TEXT)")
                try db.execute(sql: "INSERT INTO movement (what) VALUES ('a lorry')")
            }
        }
        try queue.close()
    }

    /// A crash image: the database as a SIGKILL leaves it, with the latest movements only in its WAL (the
    /// store is still open when its files are copied, so nothing was checkpointed). `restore` over it must
    /// keep every one of them in the copy it sets aside.
    @Test func restoreKeepsTheLiveWALOfACrashedDatabase() async throws {
        let folder = TemporaryFolder()
        let live = try Self.site(in: folder, named: "live", movements: 31)
        try live.store.backup(to: folder.sub("one.sqlite"))
        var crashed = live.config
        try crashed.set("paths.state", folder.sub("crashed"), origin: "test")
        try FileManager.default.createDirectory(atPath: crashed.stateDirectory, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] {
            try FileManager.default.copyItem(
                atPath: live.config.databasePath + suffix, toPath: crashed.databasePath + suffix)
        }
        let walBytes = try FileManager.default.attributesOfItem(atPath: crashed.databasePath + "-wal")[.size] as? Int
        #expect((walBytes ?? 0) > 0, "the crash image holds its movements in the WAL")
        let path = try RelayProcess.writeConfig(crashed, in: folder)
        let restored = try await RelayProcess.run(["restore", folder.sub("one.sqlite"), "--config", path])
        #expect(restored.status == 0, "\(restored.err)")
        let aside = try #require(
            try FileManager.default.contentsOfDirectory(atPath: crashed.stateDirectory)
                .first { $0.contains(".replaced-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") })
        #expect(restored.out.contains(aside), "\(restored.out)")
        let kept = try MovementStore(path: crashed.stateDirectory + "/" + aside, key: live.key, access: .readOnly)
        #expect(try kept.list(limit: 1000).count == 31, "every movement of the crashed database is in the copy")
        let now = try MovementStore(path: crashed.databasePath, key: live.key, access: .readOnly)
        #expect(try now.list(limit: 1000).count == 31, "the backup was taken with the same 31")
    }

    /// Files that are not a backup made by `backup` are refused before anything is touched, with a reason a
    /// person can act on; the live database stays where it is with every movement.
    @Test(arguments: ["zero-byte", "empty-sqlite", "other-program", "unmarked-copy", "empty-backup"])
    func restoreRefusesWhatIsNotABackup(kind: String) async throws {
        let folder = TemporaryFolder()
        let live = try Self.site(in: folder, named: "live", movements: 3)
        let candidate = folder.sub("candidate.sqlite")
        var expected = "not a backup made by `dwt-relay backup`"
        switch kind {
        case "zero-byte":
            FileManager.default.createFile(atPath: candidate, contents: Data())
            expected = "the file is empty (0 bytes)"
        case "empty-sqlite", "other-program":
            try Self.foreignDatabase(at: candidate, withTable: kind == "other-program")
        case "unmarked-copy":
            // A copy of the live file made by hand is a database of ours, but not a backup.
            live.store.checkpoint()
            try FileManager.default.copyItem(atPath: live.config.databasePath, toPath: candidate)
        default:
            let empty = try Self.site(in: folder, named: "empty", movements: 0)
            try empty.store.backup(to: candidate)
            expected = "holds no movements"
        }
        let refused = try await RelayProcess.run(["restore", candidate, "--config", live.configPath])
        #expect(refused.status != 0)
        #expect(refused.err.contains(expected), "\(kind): \(refused.err)")
        let after = try MovementStore(path: live.config.databasePath, key: live.key, access: .readOnly)
        #expect(try after.list(limit: 100).count == 3, "the live database is untouched")
        let names = try FileManager.default.contentsOfDirectory(atPath: live.config.stateDirectory)
        #expect(!names.contains { $0.contains(".replaced-") }, "nothing moved aside: \(names)")
        if kind == "empty-backup" {
            let allowed = try await RelayProcess.run([
                "restore", candidate, "--allow-empty", "--config", live.configPath,
            ])
            #expect(allowed.status == 0, "\(allowed.err)")
            #expect(allowed.out.contains("restored 0 movement(s)"))
        }
    }
}
