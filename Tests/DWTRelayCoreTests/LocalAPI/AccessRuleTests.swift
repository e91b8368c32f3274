import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// One access rule for every door (docs/operating.md, "Who may do what"): anyone on the PC sees counts and
/// states; details (parties, vehicle, Defra's messages) and actions (retry, acknowledge) need the writers'
/// group: through `/v1` its token, through the office page a session signed in with it. Each cell is tried by
/// a real client running as a Unix user outside every group, and as a member of the writers' group.
@Suite(.serialized) struct AccessRuleTests {
    static let writers: gid_t = 64_300
    static let member: uid_t = 64_301
    static let outsider: uid_t = 64_302

    @Test(.enabled(if: geteuid() == 0, "needs root to run clients as other users"))
    func eachDoorAsAnOutsiderAndAsAWriter() async throws {
        let port = freeLoopbackPort()
        try await RelayHarness.run(config: ["http.listen": "127.0.0.1:\(port)"]) { harness in
            let base = "http://127.0.0.1:\(port)"
            try TestFixtures.movement(reference: "DOOR-1").write(
                to: URL(fileURLWithPath: harness.config.inbox + "/good.json"))
            try Data("{ not json".utf8).write(to: URL(fileURLWithPath: harness.config.inbox + "/bad.json"))
            #expect(await eventually { (try? harness.store.counts()[.accepted]) == 1 })
            #expect(await eventually { (try? RefusalStore(store: harness.store).list().count) == 1 })
            let refusal = try #require(try RefusalStore(store: harness.store).list().first)
            // As the package lays it out: the office token readable by the owner and the writers' group only.
            let tokenPath = harness.config.results + "/.dwt-relay-api-token"
            #expect(chmod(harness.folder.path, 0o711) == 0)
            #expect(chown(harness.config.results, 0, Self.writers) == 0 && chmod(harness.config.results, 0o750) == 0)
            #expect(chown(tokenPath, 0, Self.writers) == 0 && chmod(tokenPath, 0o640) == 0)
            let script = harness.folder.sub("office-client.py")
            try FileManager.default.copyItem(
                atPath: TestFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures/access/office-client.py",
                toPath: script)
            #expect(chmod(script, 0o644) == 0)

            func client(_ uid: uid_t, groups: [gid_t]) async throws -> [String: JSONValue] {
                let user = RelayProcess.RunAs(uid: uid, gid: gid_t(uid), groups: groups, binary: "/usr/bin/python3")
                let run = try await RelayProcess.run([script, base, tokenPath, refusal.handle], as: user)
                #expect(run.status == 0, "\(run.err)")
                return try JSONDecoder().decode([String: JSONValue].self, from: Data(run.out.utf8))
            }

            let outsider = try await client(Self.outsider, groups: [])
            #expect(outsider["readsToken"] == .bool(false))
            #expect(outsider["page"] == .integer(200), "counts and states are open to anyone on the PC")
            #expect(outsider["v1Status"] == .integer(200) && outsider["v1List"] == .integer(200))
            #expect(outsider["pageShowsCarrier"] == .bool(false), "no parties without signing in")
            #expect(outsider["pageHasActionForms"] == .bool(false))
            #expect(outsider["details"] == .integer(303), "details send the browser to sign in")
            #expect(outsider["v1Details"] == .integer(401))
            #expect(outsider["acknowledge"] == .integer(401) && outsider["retry"] == .integer(401))
            #expect(try RefusalStore(store: harness.store).list(openOnly: true).count == 1, "nothing changed")

            let member = try await client(Self.member, groups: [Self.writers])
            #expect(member["readsToken"] == .bool(true) && member["signIn"] == .integer(303))
            #expect(member["pageShowsCarrier"] == .bool(true) && member["pageHasActionForms"] == .bool(true))
            #expect(member["details"] == .integer(200) && member["v1Details"] == .integer(200))
            #expect(member["acknowledge"] == .integer(303), "\(member)")
            #expect(try RefusalStore(store: harness.store).list(openOnly: true).isEmpty, "acknowledged")
        }
    }
}
