import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Glibc
import Testing

/// Read-only commands never create or take over state; concurrent first starts do not race migrations.
@Suite(.serialized) struct ReadOnlyCommandTests {
    static func config(_ folder: TemporaryFolder) throws -> String {
        let config = try ProcessTests.config(folder, sandbox: nil)
        return try RelayProcess.writeConfig(config, in: folder)
    }

    @Test func readOnlyCommandsBeforeTheFirstStartLeaveNothingBehind() async throws {
        let folder = TemporaryFolder()
        let path = try Self.config(folder)
        try FileManager.default.createDirectory(atPath: folder.sub("state"), withIntermediateDirectories: true)
        let status = try await RelayProcess.run(["status", "--config", path])
        #expect(status.status == 2, "\(status.out)")
        #expect(status.out.contains("the daemon has never started"))
        for command in [["list"], ["list", "--state", "failed"], ["show", "1"], ["export"], ["status", "--json"]] {
            _ = try await RelayProcess.run(command + ["--config", path])
        }
        _ = try await RelayProcess.run(["refdata", "list", "container-types", "--config", path])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.sub("state")) == [])
        #expect(!FileManager.default.fileExists(atPath: folder.sub("storage-key")))
    }

    @Test(.enabled(if: geteuid() == 0, "needs root: it checks what a root-run command leaves for the service user"))
    func aRootRunCommandLeavesTheDatabaseToTheServiceUser() async throws {
        let folder = TemporaryFolder()
        let path = try Self.config(folder)
        try FileManager.default.createDirectory(atPath: folder.sub("state"), withIntermediateDirectories: true)
        try TestFixtures.movement(reference: "OWN-1").write(to: URL(fileURLWithPath: folder.sub("m.json")))
        #expect(try await RelayProcess.run(["submit", "--config", path, folder.sub("m.json")]).status == 0)
        // The service user owns its state; then root looks at it the way `sudo dwt-relay status` would.
        let service: uid_t = 65534
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.sub("state")) {
            #expect(chown(folder.sub("state/" + name), service, gid_t(service)) == 0)
        }
        #expect(chown(folder.sub("state"), service, gid_t(service)) == 0)
        for command in [["status"], ["list"], ["show", "1"], ["export"]] {
            _ = try await RelayProcess.run(command + ["--config", path])
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.sub("state")) {
            var info = stat()
            #expect(stat(folder.sub("state/" + name), &info) == 0)
            #expect(info.st_uid == service, "\(name) is owned by \(info.st_uid) after root ran read-only commands")
        }
    }

    @Test func concurrentFirstStartsDoNotRaceTheMigrations() async throws {
        let folder = TemporaryFolder()
        let path = try Self.config(folder)
        for index in 0..<6 {
            try TestFixtures.movement(reference: "RACE-\(index)").write(
                to: URL(fileURLWithPath: folder.sub("m\(index).json")))
        }
        let results = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
            for index in 0..<6 {
                group.addTask {
                    let result = try await RelayProcess.run(["submit", "--config", path, folder.sub("m\(index).json")])
                    return (result.status, result.err)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.0 == 0 }, "\(results.map(\.1))")
        let store = try MovementStore(
            path: folder.sub("state/dwt-relay.sqlite"),
            key: try StorageKey.load(config: try ProcessTests.config(folder, sandbox: nil), create: false))
        let stored = try store.list().map { $0.sourceFile ?? "-" }
        #expect(stored.count == 6, "\(stored) \(results.map(\.1))")
    }
}
