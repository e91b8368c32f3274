import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// `failed/` and `paths.archive` on a filesystem of their own (a share, a separate mount): files cross it by
/// copy, fsync and unlink, and a refused file is never deleted. Made for real with a tmpfs mount.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting tmpfs needs root"))
struct OtherFilesystemTests {
    @Test func refusedAndArchivedFilesCrossToAnotherFilesystemIntact() async throws {
        let mountFolder = TemporaryFolder("dwt-relay-otherfs")
        let point = mountFolder.sub("fs")
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        #expect(BrokenStorageTests.sh("mount -t tmpfs -o size=16m tmpfs '\(point)'") == 0)
        defer { _ = BrokenStorageTests.sh("umount -l '\(point)'") }
        try FileManager.default.createDirectory(atPath: point + "/archive", withIntermediateDirectories: true)
        try await RelayHarness.run(config: ["paths.failed": point + "/failed", "paths.archive": point + "/archive"]) {
            harness in
            let broken = Data("{ this is not json".utf8)
            try harness.drop("broken.json", broken)
            let good = try TestFixtures.movement(reference: "XDEV-1")
            try harness.drop("good.json", good)
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            #expect(await eventually { FileManager.default.fileExists(atPath: point + "/failed/broken.json") })
            #expect(FileManager.default.contents(atPath: point + "/failed/broken.json") == broken)
            let report = try #require(FileManager.default.contents(atPath: point + "/failed/broken.json.error.json"))
            let json = try JSONSerialization.jsonObject(with: report) as? [String: Any]
            #expect(json?["movedTo"] as? String == point + "/failed/broken.json")
            #expect(FileManager.default.contents(atPath: point + "/archive/good.json") == good)
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.config.inbox).isEmpty)
        }
    }
}
