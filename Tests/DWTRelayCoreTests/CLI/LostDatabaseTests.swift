import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// A database deleted while loads waited in it: the restart that has to create a new, empty one says so as
/// CRITICAL, with how many loads were pending, until an operator acknowledges it. A restored backup is not a
/// loss.
@Suite(.serialized) struct LostDatabaseTests {
    @Test func aLostDatabaseIsCriticalUntilAcknowledged() async throws {
        let folder = TemporaryFolder()
        let config = try ProcessTests.config(folder, sandbox: nil)  // no service: the loads stay pending
        let path = try RelayProcess.writeConfig(config, in: folder)
        for index in 0..<5 {
            try TestFixtures.movement(reference: "LOST-\(index)").write(
                to: URL(fileURLWithPath: folder.sub("l\(index).json")))
            #expect(try await RelayProcess.run(["submit", "--config", path, folder.sub("l\(index).json")]).status == 0)
        }
        var daemon = try RelayProcess(["run", "--config", path])
        #expect(await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true })
        #expect(
            await eventually(timeout: 10) {
                FileManager.default.fileExists(atPath: config.results + "/.dwt-relay-database-id")
            })
        let before = try await RelayProcess.run(["status", "--config", path])
        #expect(!before.out.contains("database was lost"), "a first start is not a loss: \(before.out)")
        daemon.signal(SIGKILL)
        _ = await daemon.wait()
        for suffix in ["", "-wal", "-shm"] { unlink(config.databasePath + suffix) }

        daemon = try RelayProcess(["run", "--config", path])
        defer { daemon.signal(SIGKILL) }
        #expect(await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true })
        let lost = try await RelayProcess.run(["status", "--config", path])
        #expect(lost.status == 2, "\(lost.out)")
        #expect(lost.out.contains("the database was lost"), "\(lost.out)")
        #expect(lost.out.contains("5 load(s) were waiting to be delivered"), "\(lost.out)")
        #expect(daemon.errorText.contains("the database was lost"), "the journal says so too")

        let acked = try await RelayProcess.run(["ack", "--database-loss", "--config", path])
        #expect(acked.status == 0, "\(acked.err)")
        let after = try await RelayProcess.run(["status", "--config", path])
        #expect(!after.out.contains("database was lost"), "\(after.out)")

        // A restore puts an existing file in place: the next start is not a loss.
        #expect(try await RelayProcess.run(["submit", "--config", path, folder.sub("l0.json")]).status == 0)
        #expect(try await RelayProcess.run(["backup", folder.sub("b.sqlite"), "--config", path]).status == 0)
        daemon.signal(SIGTERM)
        _ = await daemon.wait()
        let restored = try await RelayProcess.run(["restore", folder.sub("b.sqlite"), "--config", path])
        #expect(restored.status == 0, "\(restored.err)")
        let again = try RelayProcess(["run", "--config", path])
        defer { again.signal(SIGKILL) }
        #expect(await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true })
        let restoredStatus = try await RelayProcess.run(["status", "--config", path])
        #expect(!restoredStatus.out.contains("database was lost"), "\(restoredStatus.out)")
    }
}
