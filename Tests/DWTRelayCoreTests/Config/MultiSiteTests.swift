import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Logging
import Testing

/// Several sites on one PC: each its own inbox, apiCode and nation; one store; status and list per site.
@Suite struct MultiSiteTests {
    static let north = "c1611aa6-e1ae-487f-9768-cb2b5e5b8afb"
    static let south = "5a6058cc-ac78-47e1-b1b3-37b5eca15cb2"

    func write(_ yaml: String, _ folder: TemporaryFolder) throws -> String {
        let path = folder.sub("sites.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A config for north (Scotland) and south (England) against the sandbox; `http` and `intake` as given.
    func twoSites(_ sandbox: RunningSandbox, _ folder: TemporaryFolder, listen: String = "off", validate: String? = nil)
        throws -> String
    {
        try write(
            """
            api:
              base_url: "\(sandbox.baseURL)"
              token_url: "\(sandbox.tokenURL)"
              client_id: "sandbox-client"
              client_secret_file: "\(folder.sub("secret"))"
            paths:
              failed: "\(folder.sub("failed"))"
              results: "\(folder.sub("results"))"
              state: "\(folder.sub("state"))"
            storage:
              key_file: "\(folder.sub("key"))"
            http:
              listen: "\(listen)"
            \(validate.map { "intake:\n  validate: \"\($0)\"\n" } ?? "")delivery:
              backoff_initial_seconds: 0.05
            sites:
              - name: north
                inbox: "\(folder.sub("north-inbox"))"
                api_code: "\(Self.north)"
                nation: Scotland
              - name: south
                inbox: "\(folder.sub("south-inbox"))"
                api_code: "\(Self.south)"
                nation: England
            """, folder)
    }

    @Test func sitesAreParsedAndErrorsNameTheEntry() throws {
        let folder = TemporaryFolder()
        let good = try RelayConfig.load(
            path: try write(
                """
                site:
                  nation: Wales
                sites:
                  - name: north
                    inbox: /srv/north
                    api_code: "\(Self.north)"
                    nation: Scotland
                  - name: south
                    inbox: /srv/south
                """, folder), mustExist: true, environment: [:])
        #expect(good.sites.map(\.name) == ["north", "south"])
        #expect(good.sites[0].nation == .scotland)
        #expect(good.sites[1].nation == .wales, "a site without nation takes site.nation")
        #expect(good.failedFolder(for: good.sites[1]).hasSuffix("/failed/south"))
        let single = try RelayConfig(values: ["paths.inbox": "/srv/in", "site.api_code": Self.north])
        #expect(single.sites == [SiteConfig(name: "default", inbox: "/srv/in", apiCode: Self.north, nation: .england)])
        for (yaml, key) in [
            ("sites:\n  - name: a\n    inbox: /x\n    colour: red\n", "sites[0].colour"),
            ("sites:\n  - name: a\n    inbox: /x\n  - name: b\n    inbox: /x\n", "sites[1].inbox"),
            ("sites:\n  - name: a\n    inbox: /x\n  - name: a\n    inbox: /y\n", "sites[1].name"),
            ("sites:\n  - inbox: /x\n", "sites[0].name"),
            ("sites:\n  - name: a\n    inbox: /x\n    nation: Mars\n", "sites[0].nation"),
            ("sites: []\n", "sites"),
        ] {
            let error = #expect(throws: ConfigError.self) {
                try RelayConfig.load(path: try write(yaml, folder), mustExist: true, environment: [:])
            }
            #expect(error?.key == key, "\(yaml)")
        }
    }

    /// A relay for two sites labels the facts a fleet's rules judge a site by with the site: a load Defra
    /// rejected at north is north's alert, not the PC's (through the real binary, `/metrics` and promtool).
    @Test func metricsNameTheSiteOfARejectedLoad() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let port = freeLoopbackPort()
            let path = try twoSites(sandbox, folder, listen: "127.0.0.1:\(port)", validate: "off")
            let daemon = try RelayProcess(["run", "--config", path])
            defer { daemon.signal(SIGKILL) }
            #expect(await eventually { FileManager.default.fileExists(atPath: folder.sub("south-inbox")) })
            for (site, container) in [("north", "XYZ"), ("south", "SKI")] {
                var body =
                    try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: site)) as! [String: Any]
                body.removeValue(forKey: "apiCode")
                var items = body["wasteItems"] as! [[String: Any]]
                items[0]["typeOfContainers"] = container
                body["wasteItems"] = items
                let temp = folder.sub("\(site)-inbox/.t.json")
                try JSONSerialization.data(withJSONObject: body).write(to: URL(fileURLWithPath: temp))
                rename(temp, folder.sub("\(site)-inbox/load.json"))
            }
            @Sendable func metrics() async -> String {
                (try? await LocalAPITests.call(.GET, "http://127.0.0.1:\(port)/metrics").text) ?? ""
            }
            let rejected = await eventually {
                await metrics().contains(#"dwt_relay_rejections_unacknowledged{site="north"} 1"#)
            }
            let text = await metrics()
            #expect(rejected, "\(text)")
            #expect(text.contains(#"dwt_relay_rejections_unacknowledged{site="south"} 0"#))
            #expect(!text.contains("dwt_relay_rejections_unacknowledged 0"), "no unlabelled series beside them")
            #expect(text.contains(#"dwt_relay_oldest_pending_age_seconds{site="south"}"#))
            #expect(text.contains(#"dwt_relay_site_info{site="north""#))
            try LocalAPITests.promtoolCheck(text)
        }
    }

    @Test func eachSiteKeepsItsInboxAPICodeNationAndResults() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let path = try twoSites(sandbox, folder)
            let daemon = try RelayProcess(["run", "--config", path])
            #expect(await eventually { FileManager.default.fileExists(atPath: folder.sub("south-inbox")) })
            // Received on the Thursday before Easter 2026: Easter Monday is a working day in Scotland only.
            func body(_ reference: String) throws -> Data {
                var body =
                    try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: reference))
                    as! [String: Any]
                body.removeValue(forKey: "apiCode")
                body["dateTimeReceived"] = "2026-04-02T09:00:00+01:00"
                return try JSONSerialization.data(withJSONObject: body)
            }
            for (site, reference) in [("north", "N-1"), ("south", "S-1")] {
                let temp = folder.sub("\(site)-inbox/.t.json")
                try body(reference).write(to: URL(fileURLWithPath: temp))
                rename(temp, folder.sub("\(site)-inbox/ticket-1.json"))
            }
            let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
            #expect(await eventually { (try? store.counts()[.accepted]) == 2 })
            let movements = try store.list()
            let north = try #require(movements.first { $0.site == "north" })
            let south = try #require(movements.first { $0.site == "south" })
            #expect(north.apiCode == Self.north && south.apiCode == Self.south)
            #expect(north.sourceFile == "ticket-1.json" && south.sourceFile == "ticket-1.json", "same name, two sites")
            #expect(ISO8601.optional(north.deadlineAt) == "2026-04-07T23:00:00.000Z")
            #expect(ISO8601.optional(south.deadlineAt) == "2026-04-08T23:00:00.000Z")
            #expect(
                await eventually {
                    FileManager.default.fileExists(atPath: folder.sub("results/north/ticket-1.result.json"))
                        && FileManager.default.fileExists(atPath: folder.sub("results/south/ticket-1.result.json"))
                })
            let listed = try await RelayProcess.run(["list", "--json", "--site", "north", "--config", path])
            let items = try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as! [[String: Any]]
            #expect(items.map { $0["site"] as? String } == ["north"])
            let status = try await RelayProcess.run(["status", "--json", "--config", path])
            let report = try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as! [String: Any]
            let sites = try #require(report["sites"] as? [String: [String: Any]])
            #expect((sites["south"]?["counts"] as? [String: Int])?["accepted"] == 1)
            #expect(sites["north"]?["nation"] as? String == "Scotland")
            let submitted = try await RelayProcess.run([
                "submit", "--site", "south", "--config", path, TestFixtures.examplesFolder + "/complex.json",
            ])
            #expect(submitted.status == 0)
            #expect(try store.list().first { $0.source == .submit }?.site == "south")
            daemon.signal(SIGTERM)
            #expect(await daemon.wait() == 0)
        }
    }
}
