import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// Site defaults through the real binary and the sandbox: a ticket with only what changes per load becomes a
/// movement the service accepts, and the movement says what came from the defaults.
@Suite struct SiteDefaultsTests {
    @Test func aTicketWithoutTheSitesFixedFactsIsCompletedAndSaysSo() async throws {
        try await Sandbox.withRunning(ProcessTests.sandboxConfiguration, logger: ProcessTests.quiet) { running in
            let folder = TemporaryFolder()
            try """
            # The site's fixed facts
            receiver:
              siteName: "North Quarry"
              authorisationNumber: "PPC/A/9999999"
            receipt:
              address:
                fullAddress: "1 Quarry Lane, Northtown"
                postcode: "NT1 2AB"
            """.write(toFile: folder.sub("defaults.yaml"), atomically: true, encoding: .utf8)
            let config = try ProcessTests.config(
                folder, sandbox: running,
                extra: ["site.defaults_file": folder.sub("defaults.yaml"), "intake.validate": "reject"])
            let path = try RelayProcess.writeConfig(config, in: folder)
            var body =
                try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "DEF-1")) as! [String: Any]
            body.removeValue(forKey: "receipt")
            body["receiver"] = ["siteName": "Ticket's own name"]
            try JSONSerialization.data(withJSONObject: body).write(to: URL(fileURLWithPath: folder.sub("t.json")))

            let daemon = try RelayProcess(["run", "--config", path])
            defer { daemon.signal(SIGKILL) }
            #expect(try await RelayProcess.run(["submit", "--config", path, folder.sub("t.json")]).status == 0)
            let store = try MovementStore(
                path: config.databasePath, key: try StorageKey.load(config: config, create: false))
            #expect(await eventually(timeout: 20) { (try? store.counts()[.accepted]) == 1 }, "\(daemon.errorText)")
            let shown = try await RelayProcess.run(["show", "--ref", "DEF-1", "--json", "--config", path])
            let object = try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as! [String: Any]
            let payload = object["payload"] as! [String: Any]
            let receiver = payload["receiver"] as! [String: Any]
            #expect(receiver["siteName"] as? String == "Ticket's own name", "the ticket's value wins")
            #expect(receiver["authorisationNumber"] as? String == "PPC/A/9999999", "objects merge key by key")
            #expect(
                ((payload["receipt"] as? [String: Any])?["address"] as? [String: Any])?["postcode"] as? String
                    == "NT1 2AB")
            let notes = (object["events"] as! [[String: Any]]).compactMap { $0["message"] as? String }
            #expect(notes.contains("filled from the site defaults: receipt, receiver.authorisationNumber"), "\(notes)")
            // What the service stored is the merged body.
            let stored = await running.state.listing()
            #expect(stored.count == 1)
        }
    }

    @Test func aBrokenDefaultsFileIsAConfigErrorNamingTheKey() async throws {
        let folder = TemporaryFolder()
        try "[1, 2]".write(toFile: folder.sub("defaults.json"), atomically: true, encoding: .utf8)
        let config = try ProcessTests.config(
            folder, sandbox: nil, extra: ["site.defaults_file": folder.sub("defaults.json")])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let checked = try await RelayProcess.run(["check-config", "--config", path])
        #expect(checked.status == 78)
        #expect((checked.out + checked.err).contains("site.defaults_file"), "\(checked.out) \(checked.err)")
        let run = try await RelayProcess.run(["run", "--config", path])
        #expect(run.status == 78)
        #expect(run.err.contains("must hold one object"), "\(run.err)")
    }

    /// Site defaults hold fixed facts only: a default `yourUniqueReference` made three loads one movement and
    /// two revisions of it. `check-config` and `run` refuse it (and the other identifying fields) with 78.
    @Test(arguments: [
        #"{"yourUniqueReference": "SITE-REF", "receiver": {"siteName": "Yard"}}"#,
        #"{"dateTimeReceived": "2026-12-07T09:00:00Z"}"#,
        "wasteTrackingId: 26ABCD12\n",
    ])
    func defaultsThatIdentifyALoadAreRefused(text: String) async throws {
        let folder = TemporaryFolder()
        try text.write(toFile: folder.sub("defaults.yaml"), atomically: true, encoding: .utf8)
        let config = try ProcessTests.config(
            folder, sandbox: nil, extra: ["site.defaults_file": folder.sub("defaults.yaml")])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let checked = try await RelayProcess.run(["check-config", "--config", path])
        #expect(checked.status == 78, "\(checked.out)")
        #expect(checked.out.contains("identifies one load"), "\(checked.out)")
        let run = try await RelayProcess.run(["run", "--config", path])
        #expect(run.status == 78)
        #expect(run.err.contains("site.defaults_file"), "\(run.err)")
    }

    /// A YAML alias bomb in any file the daemon reads is a config error naming the file, not a process that
    /// grows until the kernel ends it (it took 2 GiB and 25 s, then systemd restarted it every 5 s).
    @Test(arguments: ["defaults", "mapping", "config"])
    func aYAMLAliasBombIsAConfigError(file: String) async throws {
        let folder = TemporaryFolder()
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<12 {
            bomb +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        let bombPath = folder.sub("bomb.yaml")
        try bomb.write(toFile: bombPath, atomically: true, encoding: .utf8)
        var extra: [String: String] = [:]
        if file == "defaults" { extra["site.defaults_file"] = bombPath }
        if file == "mapping" { extra["intake.csv_mapping_file"] = bombPath }
        let config = try ProcessTests.config(folder, sandbox: nil, extra: extra)
        var path = try RelayProcess.writeConfig(config, in: folder)
        if file == "config" {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            path = folder.sub("bombed-config.yaml")
            try (bomb.replacingOccurrences(of: "a0:", with: "x-a0:") + text).write(
                toFile: path, atomically: true, encoding: .utf8)
        }
        let started = Date()
        let run = try await RelayProcess.run(["run", "--config", path])
        #expect(run.status == 78, "\(run.err)")
        #expect(run.err.contains("expands to more than"), "\(run.err)")
        #expect(run.err.contains(file == "config" ? path : bombPath), "names the file: \(run.err)")
        #expect(
            Date().timeIntervalSince(started) < 60, "a config error, not a process that grows (alone it takes 0.1 s)")
    }
}
