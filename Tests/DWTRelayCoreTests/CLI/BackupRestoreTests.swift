import DWTRelayCore
import DWTRelayTestSupport
import Foundation
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
                try harness.drop("b\(index).json", SharedFixtures.movement(reference: "BACKUP-\(index)"))
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
            try harness.drop("k.json", SharedFixtures.movement(reference: "KEY-1"))
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
}
