import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// A full disk, a read-only state folder and a corrupted database, made for real with tmpfs mounts.
/// Needs root (CI runs as root); elsewhere these tests are skipped.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting tmpfs needs root"))
struct BrokenStorageTests {
    static func sh(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try? process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func fullDiskStopsIntakeCleanlyAndResumesWithNothingLost() async throws {
        let mountFolder = TemporaryFolder("dwt-relay-fulldisk")
        let point = mountFolder.sub("fs")
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        #expect(Self.sh("mount -t tmpfs -o size=16m tmpfs '\(point)'") == 0)
        defer { _ = Self.sh("umount -l '\(point)'") }
        try await RelayHarness.run(config: ["paths.state": point + "/state", "status.inbox_stall_seconds": "1"]) {
            (harness: RelayHarness) async throws in
            // Leave the database about 150 KB to grow into.
            var info = statvfs()
            statvfs(point, &info)
            let free = Int(info.f_bavail) * Int(info.f_frsize)
            let filler = point + "/filler"
            let fd = open(filler, O_CREAT | O_WRONLY, 0o600)
            let block = [UInt8](repeating: 0xAA, count: 64 * 1024)
            var written = 0
            while written < free - 150 * 1024 {
                let count = block.withUnsafeBytes {
                    write(fd, $0.baseAddress, min($0.count, free - 150 * 1024 - written))
                }
                if count <= 0 { break }
                written += count
            }
            close(fd)
            let total = 300
            for index in 0..<total {
                try harness.drop("full-\(index).json", TestFixtures.movement(reference: "FULL-\(index)"))
            }
            // Intake stops: files wait in the inbox, status turns CRITICAL, nothing is lost meanwhile.
            let stalled = await eventually(timeout: 30) {
                guard let snapshot = InboxSnapshot.read(harness.inbox), snapshot.waiting > 0 else { return false }
                let facts = try? harness.store.statusFacts()
                let report = facts.map {
                    StatusReport.build(
                        facts: $0, config: harness.config, daemonRunning: true, now: Date().timeIntervalSince1970 + 5,
                        inbox: snapshot)
                }
                return report?.problems.contains { $0.contains("intake stalled") } == true
            }
            #expect(stalled, "intake should stall on a full disk; log: \(harness.logs.all.suffix(5))")
            let stored = try harness.store.list(limit: 10_000).count
            let waiting = InboxSnapshot.read(harness.inbox)?.waiting ?? 0
            #expect(stored + waiting == total, "stored \(stored) + waiting \(waiting)")
            #expect(stored < total)
            // (The stall can show before the first refused commit: files waiting over a second count.)
            #expect(
                await eventually(timeout: 30) {
                    harness.logs.text.contains("cannot store movements; files left in the inbox")
                })
            // Space returns: everything is taken and delivered.
            unlink(filler)
            let resumed = await eventually(timeout: 60) { (try? harness.store.counts()[.accepted]) == total }
            #expect(
                resumed,
                "counts \((try? harness.store.counts()) ?? [:]); inbox \(InboxSnapshot.read(harness.inbox)?.waiting ?? -1); cannot-record lines: \(harness.logs.all.filter { $0.contains("cannot record") }.count); log: \(harness.logs.all.filter { !$0.contains("movement stored") }.suffix(12).joined(separator: "\n"))"
            )
            let movements = try harness.store.list(limit: 10_000)
            #expect(Set(movements.compactMap(\.yourUniqueReference)).count == total)
            #expect(await harness.sandbox.state.listing().count >= total)
            #expect(try harness.store.integrityCheck() == "ok")
        }
    }

    @Test func corruptedDatabaseIsAClearStartupError() async throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "paths.inbox": folder.sub("inbox"), "api.client_id": "x",
            "api.client_secret_file": folder.sub("secret"), "http.listen": "off", "storage.key_file": folder.sub("key"),
        ])
        try FileManager.default.createDirectory(atPath: folder.sub("state"), withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: config.databasePath))
        FileManager.default.createFile(
            atPath: folder.sub("secret"), contents: Data("s".utf8), attributes: [.posixPermissions: 0o600])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let run = try await RelayProcess.run(["run", "--config", path])
        #expect(run.status != 0)
        #expect(run.err.contains("cannot open store") && run.err.contains("dwt-relay.sqlite"), "\(run.err)")
        let status = try await RelayProcess.run(["status", "--config", path])
        #expect(status.status == 3, "\(status.out)")
    }

    @Test func readOnlyStateFolderIsAClearStartupError() async throws {
        let folder = TemporaryFolder()
        let point = folder.sub("ro")
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        #expect(Self.sh("mount -t tmpfs -o size=2m tmpfs '\(point)'") == 0)
        defer { _ = Self.sh("umount -l '\(point)'") }
        let config = try RelayConfig(values: [
            "paths.state": point + "/state", "paths.inbox": folder.sub("inbox"), "api.client_id": "x",
            "api.client_secret_file": folder.sub("secret"), "http.listen": "off", "storage.key_file": folder.sub("key"),
        ])
        _ = try MovementStore(path: config.databasePath)
        #expect(Self.sh("mount -o remount,ro '\(point)'") == 0)
        FileManager.default.createFile(
            atPath: folder.sub("secret"), contents: Data("s".utf8), attributes: [.posixPermissions: 0o600])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let run = try await RelayProcess.run(["run", "--config", path])
        #expect(run.status != 0)
        #expect(run.err.contains("cannot open store"), "\(run.err)")
        #expect(run.err.lowercased().contains("read-only"), "\(run.err)")
    }
}
