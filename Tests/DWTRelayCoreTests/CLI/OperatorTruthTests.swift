import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// What a site office sees after a morning with problems, through the real binary: `status` never says OK
/// while a load is unreported, refused files are listed and exported, `ack` clears them, and `check-config`
/// refuses what `run` would refuse.
@Suite(.serialized) struct OperatorTruthTests {
    static func rejectedByTheService(reference: String) throws -> Data {
        var body =
            try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: reference)) as! [String: Any]
        var items = body["wasteItems"] as! [[String: Any]]
        items[0]["ewcCodes"] = ["999999"]
        body["wasteItems"] = items
        return try JSONSerialization.data(withJSONObject: body)
    }

    @Test func statusWarnsUntilEveryRejectedOrRefusedLoadIsDealtWith() async throws {
        try await RelayHarness.run(config: ["intake.validate": "off"]) { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            try harness.drop("good.json", TestFixtures.movement(reference: "T-1"))
            try harness.drop("bad-ewc.json", Self.rejectedByTheService(reference: "T-2"))
            try harness.drop("broken.json", Data("{ \"yourUniqueReference\": ".utf8))
            #expect(await eventually { (try? harness.allFinal(count: 2)) == true })
            #expect(await eventually { (try? RefusalStore(store: harness.store).list().count) == 1 })

            let status = try await RelayProcess.run(["status", "--config", path])
            #expect(status.status == 1, "WARNING, not OK: \(status.out)")
            #expect(status.out.contains("rejected by the service and not yet reported"))
            #expect(status.out.contains("refused into failed/"))
            #expect(status.out.contains("broken.json"))
            #expect(status.out.contains("| queued=0"), "perfdata on the first line: \(status.out)")
            #expect(status.out.contains("unreported_rejected=1 refused=1"))

            let failed = try await RelayProcess.run(["list", "--state", "failed", "--config", path])
            #expect(failed.status == 0)
            let lines = failed.out.split(separator: "\n").map(String.init)
            let row = try #require(lines.first { $0.hasPrefix("F1 ") }, "\(failed.out)")
            #expect(row.contains(" failed ") && row.contains("broken.json"), "\(failed.out)")
            // Columns line up (as `systemctl list-units`), times in UK local time with the zone named.
            #expect(
                lines[0].range(of: "FILE")?.lowerBound.utf16Offset(in: lines[0])
                    == row.range(of: "broken.json")?.lowerBound.utf16Offset(in: row))
            #expect(row.contains(" GMT ") || row.contains(" BST "), "\(row)")
            let export = try await RelayProcess.run(["export", "--format", "json", "--config", path])
            let rows = try JSONSerialization.jsonObject(with: Data(export.out.utf8)) as! [[String: Any]]
            #expect(
                rows.contains { $0["state"] as? String == "failed" && $0["sourceFile"] as? String == "broken.json" })
            #expect(rows.count == 3)

            let notRejected = try #require(try harness.movement(file: "good.json")?.id)
            let wrong = try await RelayProcess.run(["ack", "\(notRejected)", "--config", path])
            #expect(wrong.status == 1, "an accepted movement cannot be acknowledged")
            let rejected = try #require(try harness.movement(file: "bad-ewc.json")?.id)
            #expect(try await RelayProcess.run(["ack", "\(rejected)", "F1", "--config", path]).status == 0)
            let after = try await RelayProcess.run(["status", "--config", path])
            #expect(after.status == 0, "\(after.out)")
            #expect(after.out.contains("unreported_rejected=0 refused=0"))
        }
    }

    @Test func theOfficeFindsALoadByItsTicketAndReadsItPlainly() async throws {
        try await RelayHarness.run { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            try harness.drop("ticket-77.json", TestFixtures.movement(reference: "WB-0077"))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            let byRef = try await RelayProcess.run(["show", "--ref", "WB-0077", "--config", path])
            #expect(byRef.status == 0)
            #expect(byRef.out.contains("sourceFile: ticket-77.json"))
            #expect(!byRef.out.contains("<null>") && !byRef.out.contains("Optional("), "\(byRef.out)")
            let byFile = try await RelayProcess.run(["list", "--ref", "ticket-77", "--json", "--config", path])
            let items = try JSONSerialization.jsonObject(with: Data(byFile.out.utf8)) as? [[String: Any]]
            #expect(items?.count == 1 && items?.first?["yourUniqueReference"] as? String == "WB-0077")
            let unknown = try await RelayProcess.run(["show", "--ref", "WB-9999", "--config", path])
            #expect(unknown.status == 1)
            let id = try #require(try harness.movement(file: "ticket-77.json")?.id)
            let retry = try await RelayProcess.run(["retry", "\(id)", "--config", path])
            #expect(retry.status == 1, "an accepted movement cannot be retried: \(retry.err)")
        }
    }

    @Test func aCorrectedFileClearsTheWarningByItself() async throws {
        try await RelayHarness.run(config: ["intake.validate": "off"]) { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            try harness.drop("t3.json", Self.rejectedByTheService(reference: "T-3"))
            try harness.drop("t4.json", Data("not json".utf8))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            #expect(try await RelayProcess.run(["status", "--config", path]).status == 1)
            try harness.drop("t3-fixed.json", TestFixtures.movement(reference: "T-3"))
            try harness.drop("t4.json", TestFixtures.movement(reference: "T-4"))
            #expect(await eventually { (try? harness.allFinal(count: 3)) == true })
            let status = try await RelayProcess.run(["status", "--config", path])
            #expect(status.status == 0, "\(status.out)")
        }
    }

    @Test func aRefusedFilePastItsDeadlineIsCritical() async throws {
        try await RelayHarness.run { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            let now = Date().timeIntervalSince1970
            try RefusalStore(store: harness.store).record(
                Refusal(
                    site: nil, sourceFile: "old.json", failedPath: nil, reason: "not JSON", field: nil,
                    refusedAt: now - 5 * 86400, deadlineAt: now - 86400))
            let status = try await RelayProcess.run(["status", "--config", path])
            #expect(status.status == 2, "\(status.out)")
            #expect(status.out.contains("past the legal deadline"))
        }
    }

    @Test func csvExportKeepsFormulasAsText() async throws {
        try await RelayHarness.run { harness in
            let path = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            try harness.drop("f.json", TestFixtures.movement(reference: "=HYPERLINK(\"http://evil.example\",\"x\")"))
            try harness.drop("g.json", TestFixtures.movement(reference: "line\rbreak"))
            #expect(await eventually { (try? harness.allFinal(count: 2)) == true })
            let csv = try await RelayProcess.run(["export", "--config", path]).out
            #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), "\(csv)")
            #expect(csv.contains("\"line\rbreak\""), "a lone CR is quoted")
        }
    }

    @Test func checkConfigConnectTimesEachStepAndBlamesTheRightSide() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try ProcessTests.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            let good = try await RelayProcess.run(["check-config", "--connect", "--config", path])
            #expect(good.status == 0, "\(good.out)")
            #expect(good.out.contains("ok   resolve 127.0.0.1"))
            #expect(good.out.contains("ok   token from"))
            #expect(good.out.contains("ok   GET /reference-data/container-types"))
            try Data("wrong".utf8).write(to: URL(fileURLWithPath: folder.sub("client-secret")))
            let refused = try await RelayProcess.run(["check-config", "--connect", "--config", path])
            #expect(refused.status == 1)
            #expect(refused.out.contains("FAIL token from") && refused.out.contains("check api.client_id"))
            #expect(!refused.out.contains("GET /reference-data"), "stops at the first failure")
        }
    }

    @Test func checkConfigNeverPrintsTheProxyPassword() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            var config = try ProcessTests.config(folder, sandbox: sandbox)
            try config.set("api.proxy", "http://site:Pr0xyPa55@proxy.example:3128", origin: "test")
            let path = try RelayProcess.writeConfig(config, in: folder)
            let result = try await RelayProcess.run(["check-config", "--config", path])
            #expect(!result.out.contains("Pr0xyPa55") && !result.err.contains("Pr0xyPa55"))
            #expect(result.out.contains("http://site:<redacted>@proxy.example:3128"))
        }
    }

    @Test func checkConfigRefusesWhatRunWouldRefuse() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try ProcessTests.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            let good = try await RelayProcess.run(["check-config", "--config", path])
            #expect(good.status == 0, "\(good.out)\(good.err)")
            #expect(!good.out.contains(RelayHarness.clientSecret), "the secret is never printed")

            try Data().write(to: URL(fileURLWithPath: folder.sub("client-secret")))
            let empty = try await RelayProcess.run(["check-config", "--config", path])
            #expect(empty.status == 78)
            #expect(empty.out.contains("# error: config error: api.client_secret_file"), "\(empty.out)")

            try Data("s3cr3t".utf8).write(to: URL(fileURLWithPath: folder.sub("client-secret")))
            chmod(folder.sub("client-secret"), 0o644)
            let open = try await RelayProcess.run(["check-config", "--config", path])
            #expect(open.status == 78)
            #expect(open.out.contains("readable by every user"))

            chmod(folder.sub("client-secret"), 0o600)
            var noID = config
            try noID.set("api.client_id", nil, origin: "test")
            let noIDPath = try RelayProcess.writeConfig(noID, in: folder, name: "no-id.yaml")
            let missing = try await RelayProcess.run(["check-config", "--config", noIDPath])
            #expect(missing.status == 78)
            #expect(missing.out.contains("api.client_id"))
        }
    }
}
