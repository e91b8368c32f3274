import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// `retry`, `export`, `purge`, `list`, `show`, `validate` and `check-config` as an operator runs them.
@Suite struct OperatorCommandTests {
    let folder = TemporaryFolder()
    let config: RelayConfig
    let configPath: String
    let store: MovementStore

    init() throws {
        config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "paths.inbox": folder.sub("inbox"), "api.client_id": "id",
            "api.client_secret_file": folder.sub("secret"), "storage.key_file": folder.sub("storage-key"),
        ])
        configPath = try RelayProcess.writeConfig(config, in: folder)
        store = try MovementStore(path: config.databasePath, key: try StorageKey.load(config: config, create: true))
    }

    func seed(_ count: Int) throws -> [Int64] {
        let intake = MovementIntake(config: config)
        return try store.ingest(
            (0..<count).map {
                try intake.check(
                    TestFixtures.movement(reference: "OP-\($0)"), source: .submit, sourceFile: "op\($0).json")
            }
        ).map(\.id)
    }

    /// A misspelt choice is refused naming the choices; it used to fall back (`--log-format jsn` logged text).
    @Test func misspeltChoicesAreRefusedWithTheChoices() async throws {
        let state = try await RelayProcess.run(["list", "--state", "acepted", "--config", configPath])
        #expect(state.status == 64)
        #expect(state.err.contains("'acepted' is invalid for '--state"), "\(state.err)")
        #expect(state.err.contains("accepted") && state.err.contains("failed"))
        let format = try await RelayProcess.run(["status", "--log-format", "jsn", "--config", configPath])
        #expect(format.status == 64)
        #expect(format.err.contains("'text' and 'json'"), "\(format.err)")
        let listed = try await RelayProcess.run([
            "list", "--state", "queued", "--log-format", "json", "--config", configPath,
        ])
        #expect(listed.status == 0, "\(listed.err)")
    }

    @Test func exportRoundTripsEveryMovement() async throws {
        let ids = try seed(5)
        let now = Date().timeIntervalSince1970 + 60
        let first = try #require(try store.claimDue(now: now, limit: 1).first)
        try store.finish(
            first.id,
            outcome: .accepted(
                wasteTrackingId: "26EXPORT", warningsJSON: #"[{"key":"k","errorType":"NotProvided","message":"m"}]"#,
                notFound: false),
            exchange: nil, lastError: nil, now: now)
        let json = try await RelayProcess.run(["export", "--format", "json", "--config", configPath])
        #expect(json.status == 0, "\(json.err)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { ($0["id"] as? NSNumber)?.int64Value } == ids)
        #expect(rows.first?["wasteTrackingId"] as? String == "26EXPORT")
        #expect((rows.first?["warnings"] as? [[String: Any]])?.first?["key"] as? String == "k")
        let csv = try await RelayProcess.run(["export", "--config", configPath])
        let lines = csv.out.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("id,state,receivedAt,acceptedAt,sourceFile,yourUniqueReference,wasteTrackingId"))
        #expect(lines[1].contains("26EXPORT"))
        // Numbers stay numbers: id 1 and one attempt are not "true" (a JSON round trip through NSNumber did that).
        #expect(lines[1].hasPrefix("\(ids[0]),accepted,"), "\(lines[1])")
        #expect(lines[1].contains(",26EXPORT,1f83215e-4b90-4785-9ab2-2614839aa2e9,"))
        let shown = try await RelayProcess.run(["show", String(ids[0]), "--config", configPath])
        #expect(shown.out.contains("\nattempts: 1\n") && shown.out.contains("id: \(ids[0])\n"), "\(shown.out)")
        #expect(shown.out.contains("warnings: [{\"errorType\":\"NotProvided\",\"key\":\"k\",\"message\":\"m\"}]"))
        let none = try await RelayProcess.run(["export", "--since", "2099-01-01", "--config", configPath])
        #expect(none.out.split(separator: "\n").count == 1)
        let bad = try await RelayProcess.run(["export", "--since", "yesterday", "--config", configPath])
        #expect(bad.status != 0)
        #expect(bad.err.contains("--since"))
    }

    @Test func retryReleasesHeldMovements() async throws {
        let ids = try seed(2)
        let now = Date().timeIntervalSince1970 + 60
        for delivery in try store.claimDue(now: now, limit: 2) {
            try store.finish(
                delivery.id, outcome: .held(reason: .forbidden, inDoubt: false), exchange: nil, lastError: "403",
                now: now)
        }
        let one = try await RelayProcess.run(["retry", String(ids[0]), "--config", configPath])
        #expect(one.status == 0)
        #expect(try store.movement(ids[0])?.state == .queued)
        #expect(try store.movement(ids[1])?.state == .held)
        let all = try await RelayProcess.run(["retry", "--all-held", "--config", configPath])
        #expect(all.out.contains("released 1"))
        #expect(try store.movement(ids[1])?.state == .queued)
        #expect(try store.events(ids[1]).contains { $0.message == "released by operator" })
    }

    @Test func purgeKeepsTwoYearsAndDeletesOnlyAcceptedBeforeTheDate() async throws {
        let ids = try seed(3)
        let now = Date().timeIntervalSince1970 + 60
        for delivery in try store.claimDue(now: now, limit: 2) {
            try store.finish(
                delivery.id,
                outcome: .accepted(wasteTrackingId: "26PURGE\(delivery.id)", warningsJSON: nil, notFound: false),
                exchange: nil, lastError: nil, now: now)
        }
        // The command keeps two years of records (duty of care) whatever it is asked, and says so.
        let future = ISO8601.string(now + 86400)
        let refused = try await RelayProcess.run(["purge", "--before", future, "--config", configPath])
        #expect(refused.status != 0)
        #expect(refused.err.contains("at least two years") && refused.err.contains("Nothing was deleted"))
        #expect(try store.counts()[.accepted] == 2)
        let threeYearsAgo = ISO8601.string(now - 3 * 365 * 86400)
        let dryRun = try await RelayProcess.run([
            "purge", "--before", threeYearsAgo, "--dry-run", "--config", configPath,
        ])
        #expect(dryRun.status == 0, "\(dryRun.err)")
        #expect(dryRun.out.contains("would purge 0"))
        #expect(try store.countPurgeable(before: now + 86400) == 2)
        #expect(try store.purgeAccepted(before: now + 86400) == 2)
        #expect(try store.movement(ids[0]) == nil)
        #expect(try store.movement(ids[2])?.state == .queued)
        #expect(try store.events(ids[0]).isEmpty)
        #expect(try store.counts()[.accepted] == 0)

        // A site that keeps ten years: three years ago is too young, and the key is named.
        var longer = config
        try longer.set("retention.records_days", "3650", origin: "test")
        let longerPath = try RelayProcess.writeConfig(longer, in: folder, name: "longer.yaml")
        let tooYoung = try await RelayProcess.run([
            "purge", "--before", threeYearsAgo, "--dry-run", "--config", longerPath,
        ])
        #expect(tooYoung.status != 0)
        #expect(tooYoung.err.contains("kept 3650 days (retention.records_days"), "\(tooYoung.err)")
        // Below two years is not a setting: check-config and run refuse it.
        try "retention:\n  records_days: 365\n".write(
            toFile: folder.sub("short.yaml"), atomically: true, encoding: .utf8)
        let short = try await RelayProcess.run(["check-config", "--config", folder.sub("short.yaml")])
        #expect(short.status == 78)
        #expect((short.out + short.err).contains("retention.records_days"), "\(short.out) \(short.err)")
    }

    @Test func listShowAndSubmitSpeakJSON() async throws {
        let submitted = try await RelayProcess.run([
            "submit", "--json", "--config", configPath, TestFixtures.examplesFolder + "/complex.json",
        ])
        #expect(submitted.status == 0, "\(submitted.err)")
        let stored = try JSONSerialization.jsonObject(with: Data(submitted.out.utf8)) as! [String: Any]
        let id = try #require(((stored["stored"] as? [[String: Any]])?.first?["id"] as? NSNumber)?.int64Value)
        let again = try await RelayProcess.run([
            "submit", "--config", configPath, TestFixtures.examplesFolder + "/complex.json",
        ])
        #expect(again.out.contains("(already stored)"))
        let list = try await RelayProcess.run(["list", "--json", "--config", configPath])
        let items = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as! [[String: Any]]
        for key in [
            "id", "state", "sourceFile", "yourUniqueReference", "wasteTrackingId", "attempts", "lastError",
            "receivedAt", "acceptedAt", "possibleDuplicate", "deadline",
        ] {
            #expect(items.first?.keys.contains(key) == true, "list --json lacks \(key)")
        }
        let show = try await RelayProcess.run(["show", String(id), "--json", "--config", configPath])
        let shown = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as! [String: Any]
        #expect((shown["payload"] as? [String: Any])?["apiCode"] as? String == "1f83215e-4b90-4785-9ab2-2614839aa2e9")
        #expect((shown["events"] as? [[String: Any]])?.first?["to"] as? String == "queued")
        let missing = try await RelayProcess.run(["show", "999", "--config", configPath])
        #expect(missing.status == 1)
        let badFile = folder.sub("bad.json")
        try Data("[1]".utf8).write(to: URL(fileURLWithPath: badFile))
        let refused = try await RelayProcess.run(["submit", "--config", configPath, badFile])
        #expect(refused.status == 1)
        #expect(refused.err.contains("bad.json") && refused.err.contains("not a JSON object"))
    }

    @Test func validateAnswersOfflineWithTheServiceKeys() async throws {
        let good = try await RelayProcess.run(["validate", TestFixtures.examplesFolder + "/complex.json"])
        #expect(good.status == 0)
        let bad = try await RelayProcess.run([
            "validate", "--json",
            TestFixtures.examplesFolder + "/error-missing-organisationapiid-as-a-required-field.json",
        ])
        #expect(bad.status == 1)
        #expect(bad.out.contains("\"key\" : \"apiCode\""))
    }

    @Test func checkConfigRedactsTheSecret() async throws {
        try Data("super-secret-value".utf8).write(to: URL(fileURLWithPath: folder.sub("secret")))
        chmod(folder.sub("secret"), 0o600)
        let check = try await RelayProcess.run(["check-config", "--config", configPath])
        #expect(check.status == 0)
        #expect(check.out.contains("client_id: \"id\""))
        #expect(check.out.contains("client secret: found"))
        #expect(!check.out.contains("super-secret-value"))
    }
}
