import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Glibc
import Testing

/// The office and monitoring look without root: a member of the state folder's group (the packaged
/// `dwt-relay-readers`) runs `status`, `list`, `show` and `export` read-only, with the daemon running or stopped;
/// a user outside it is told which group to join. Three real Unix users, as the package sets them up.
@Suite(.serialized) struct ReadersGroupTests {
    static let service: uid_t = 65534
    static let readers: gid_t = 64_100
    static let reader: uid_t = 64_101
    static let outsider: uid_t = 64_102

    /// A state folder 2750 service:readers with the rest of the site owned by the service user, and a copy of
    /// the binary the other users may run (the build folder may sit under a private home).
    static func site(_ folder: TemporaryFolder) throws -> (config: RelayConfig, path: String, binary: String) {
        #expect(chmod(folder.path, 0o755) == 0)
        let bin = folder.sub("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
        let built = TestFixtures.binary
        try FileManager.default.copyItem(atPath: built, toPath: bin + "/dwt-relay")
        let bundle = (built as NSString).deletingLastPathComponent + "/dwt-relay_DWTRelayCore.resources"
        if FileManager.default.fileExists(atPath: bundle) {
            try FileManager.default.copyItem(atPath: bundle, toPath: bin + "/dwt-relay_DWTRelayCore.resources")
        }
        let config = try ProcessTests.config(folder, sandbox: nil)
        let path = try RelayProcess.writeConfig(config, in: folder)
        _ = try StorageKey.load(config: config, create: true)
        for name in ["inbox", "failed", "results"] {
            try FileManager.default.createDirectory(atPath: folder.sub(name), withIntermediateDirectories: false)
        }
        for name in ["inbox", "failed", "results", "client-secret", "storage-key"] {
            #expect(chown(folder.sub(name), service, gid_t(service)) == 0)
        }
        try FileManager.default.createDirectory(atPath: folder.sub("state"), withIntermediateDirectories: false)
        #expect(chown(folder.sub("state"), service, readers) == 0)
        #expect(chmod(folder.sub("state"), 0o2750) == 0)
        return (config, path, bin + "/dwt-relay")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to run the daemon, a reader and an outsider as three users"))
    func aMemberOfTheStateGroupLooksWithoutRootAndAnOutsiderIsToldWhichGroupToJoin() async throws {
        let folder = TemporaryFolder()
        let (config, path, binary) = try Self.site(folder)
        let serviceUser = RelayProcess.RunAs(uid: Self.service, gid: gid_t(Self.service), binary: binary)
        let readerUser = RelayProcess.RunAs(
            uid: Self.reader, gid: gid_t(Self.reader), groups: [Self.readers], binary: binary)
        let outsiderUser = RelayProcess.RunAs(uid: Self.outsider, gid: gid_t(Self.outsider), binary: binary)
        let ticket = folder.sub("ticket.json")
        try TestFixtures.movement(reference: "OFFICE-1").write(to: URL(fileURLWithPath: ticket))
        #expect(chmod(ticket, 0o644) == 0)
        let submitted = try await RelayProcess.run(["submit", "--config", path, ticket], as: serviceUser)
        #expect(submitted.status == 0, "\(submitted.err)")

        // Daemon stopped: the reader sees CRITICAL (not UNKNOWN) and the loads, with the payload sealed.
        let stopped = try await RelayProcess.run(["status", "--config", path], as: readerUser)
        #expect(stopped.status == 2, "\(stopped.out) \(stopped.err)")
        #expect(stopped.out.contains("daemon is not running"))
        #expect(stopped.out.contains("| queued=1"))
        try await expectReaderSeesTheLoad(path, as: readerUser)

        // Daemon running (holding the WAL open and writing): the reader still reads, and sees it running.
        let daemon = try RelayProcess(["run", "--config", path], as: serviceUser)
        #expect(await eventually(timeout: 20) { daemon.errorText.contains("dwt-relay ready") }, "\(daemon.errorText)")
        let running = try await RelayProcess.run(["status", "--json", "--config", path], as: readerUser)
        #expect(running.status != 3, "\(running.out) \(running.err)")
        let json = try JSONSerialization.jsonObject(with: Data(running.out.utf8)) as? [String: Any]
        #expect((json?["daemon"] as? [String: Any])?["running"] as? Bool == true, "\(running.out)")
        try await expectReaderSeesTheLoad(path, as: readerUser)

        // Outside the group: UNKNOWN, naming the folder and the group.
        let refused = try await RelayProcess.run(["status", "--config", path], as: outsiderUser)
        #expect(refused.status == 3)
        #expect(
            refused.out.contains("may not read \(config.stateDirectory): its group is \(Self.readers)"),
            "\(refused.out)")
        let listed = try await RelayProcess.run(["list", "--config", path], as: outsiderUser)
        #expect(listed.status != 0)
        #expect(listed.err.contains("adduser USER \(Self.readers)"), "\(listed.err)")

        daemon.signal(SIGTERM)
        #expect(await daemon.wait() == 0, "\(daemon.errorText)")
        // What the service left: the group's read, nobody else's; the readers wrote nothing.
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.sub("state")) {
            var info = stat()
            #expect(stat(folder.sub("state/" + name), &info) == 0)
            #expect(info.st_uid == Self.service, "\(name) is owned by \(info.st_uid)")
            #expect(info.st_gid == Self.readers, "\(name) has group \(info.st_gid)")
            #expect(info.st_mode & 0o007 == 0, "\(name) is open to every user: \(String(info.st_mode, radix: 8))")
        }
    }

    func expectReaderSeesTheLoad(_ path: String, as reader: RelayProcess.RunAs) async throws {
        let list = try await RelayProcess.run(["list", "--config", path], as: reader)
        #expect(list.status == 0, "\(list.err)")
        #expect(list.out.contains("OFFICE-1"))
        let show = try await RelayProcess.run(["show", "--ref", "OFFICE-1", "--config", path], as: reader)
        #expect(show.status == 0, "\(show.err)")
        #expect(show.out.contains("sealed with the storage key"))
        #expect(!show.out.contains("\"receipt\""))
        let export = try await RelayProcess.run(["export", "--config", path], as: reader)
        #expect(export.status == 0, "\(export.err)")
        #expect(export.out.contains("OFFICE-1"))
    }
}
