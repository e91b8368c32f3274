import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// Hostile and broken files against the running daemon: each lands in failed/ with a reason (a link is
/// moved without being followed), the daemon keeps running, and good files around them still go through.
@Suite(.serialized) struct BadInputCorpusTests {
    static let fixtures = TestFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures/bad-input"

    func failure(_ harness: RelayHarness, _ name: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: harness.config.failed + "/" + name + ".error.json") else {
            return nil
        }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    @Test func everyBadFileIsRefusedWithAReasonAndTheRestFlows() async throws {
        try await RelayHarness.run(config: ["intake.max_file_bytes": "1048576"]) {
            (harness: RelayHarness) async throws in
            var expected: [String: String] = [
                "truncated.json": "not valid JSON", "huge-number.json": "not valid JSON",
                "duplicate-keys.json": "appears twice", "utf16.json": "UTF-16", "nul-bytes.json": "NUL",
                "array.json": "not a JSON object", "string.json": "a string", "latin1.json": "not valid UTF-8",
                "empty.json": "empty",
            ]
            for name in expected.keys {
                try harness.drop(name, FileManager.default.contents(atPath: Self.fixtures + "/" + name)!)
            }
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            try harness.drop("deep-nesting.json", Data(deep.utf8))
            expected["deep-nesting.json"] = "Too many nested"
            try harness.drop("whitespace.json", Data(repeating: 0x20, count: 10 << 20))
            expected["whitespace.json"] = "over the 1048576-byte limit"
            #expect(symlink("/etc/shadow", harness.inbox + "/shadow.json") == 0)
            expected["shadow.json"] = "symbolic link refused"
            #expect(mkfifo(harness.inbox + "/fifo.json", 0o600) == 0)
            expected["fifo.json"] = "not a regular file"
            try FileManager.default.createDirectory(
                atPath: harness.inbox + "/folder.json", withIntermediateDirectories: false)
            expected["folder.json"] = "not a regular file"
            // Good files with awkward names among them.
            let good = ["ticket 0001 (copy).json", "reçu-été-日本.json", "plain.json"]
            for (index, name) in good.enumerated() {
                try harness.drop(name, TestFixtures.movement(reference: "GOOD-\(index)"))
            }
            for (name, fragment) in expected {
                let arrived = await eventually(timeout: 60) { failure(harness, name) != nil }
                #expect(arrived, "\(name) should land in failed/")
                let reason = failure(harness, name)?["reason"] as? String ?? ""
                #expect(reason.contains(fragment), "\(name): \(reason)")
                #expect(reason.count < 400, "\(name): reason too long to read")
            }
            #expect(await eventually { (try? harness.allFinal(count: good.count)) == true })
            #expect(Set(try harness.store.list().compactMap(\.sourceFile)) == Set(good))
            var info = stat()
            #expect(lstat(harness.config.failed + "/shadow.json", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
            // A scan claims every entry by renaming it (`.dwt-relay-taking.NAME`) and gives a non-file back, so a
            // listing taken mid-scan can see the claim name for a moment: the settled inbox is what counts.
            let inboxNow: @Sendable () -> [String] = {
                (try? FileManager.default.contentsOfDirectory(atPath: harness.inbox).sorted()) ?? []
            }
            #expect(
                await eventually(timeout: 10) { inboxNow() == ["fifo.json", "folder.json"] },
                "what is not a file is reported and left alone: \(inboxNow())")
            // Still alive and taking files.
            try harness.drop("after.json", TestFixtures.movement(reference: "AFTER"))
            #expect(await eventually { (try? harness.allFinal(count: good.count + 1)) == true })
        }
    }

    @Test func fileChangingWhileBeingReadIsRefusedNotHalfTaken() async throws {
        try await RelayHarness.run(config: ["intake.max_file_bytes": "33554432"]) {
            (harness: RelayHarness) async throws in
            // A writer breaking the rename rule: appends to a large file in place while the daemon reads it.
            let path = harness.inbox + "/growing.json"
            let fd = open(path, O_CREAT | O_WRONLY, 0o644)
            #expect(fd >= 0)
            let chunk = [UInt8](repeating: 0x20, count: 1 << 20)
            for _ in 0..<24 { _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            close(fd)  // IN_CLOSE_WRITE: the daemon starts reading 24 MiB...
            let appender = open(path, O_WRONLY | O_APPEND)
            for _ in 0..<200 { _ = chunk.withUnsafeBytes { write(appender, $0.baseAddress, 4096) } }
            close(appender)
            // Whatever the timing, the file ends in failed/ (whitespace is never a movement).
            #expect(await eventually(timeout: 30) { failure(harness, "growing.json") != nil })
            // Whatever the timing, it is whitespace, not a movement: refused with a reason, never stored.
            let reason = failure(harness, "growing.json")?["reason"] as? String ?? ""
            #expect(reason.contains("changed while being read") || reason.contains("empty") || reason.contains("limit"))
            #expect(try harness.store.list().isEmpty)
        }
    }
}
