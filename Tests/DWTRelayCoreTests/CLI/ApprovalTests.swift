import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Logging
import Testing

/// `dwt-relay pat` runs Defra's production approval scenarios; against the sandbox all pass.
@Suite struct ApprovalTests {
    /// A config for the sandbox with a test apiCode, written into `folder`.
    static func configFile(_ sandbox: RunningSandbox, _ folder: TemporaryFolder) throws -> String {
        let config = try RelayConfig(values: [
            "api.base_url": sandbox.baseURL, "api.token_url": sandbox.tokenURL, "api.client_id": "sandbox-client",
            "api.client_secret_file": folder.sub("secret"), "site.api_code": "6f1f80e3-5c77-46cb-9766-f3d0f28039a6",
            "paths.state": folder.sub("state"),
        ])
        return try RelayProcess.writeConfig(config, in: folder)
    }

    @Test func everyScenarioPassesAgainstTheSandbox() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let path = try Self.configFile(sandbox, folder)
            let run = try await RelayProcess.run(["pat", "--json", "--config", path])
            #expect(run.status == 0, "\(run.out)\n\(run.err)")
            let results = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [[String: Any]]
            #expect(results.map { $0["scenario"] as? String } == ApprovalScenario.all.map(\.id))
            #expect(results.allSatisfy { $0["passed"] as? Bool == true })
            let r01 = try #require(results.first { $0["scenario"] as? String == "R01" })
            #expect(WasteTrackingID(r01["evidence"] as? String ?? "") != nil)
            let table = try await RelayProcess.run(["pat", "--scenario", "h02", "--config", path])
            #expect(table.out.contains("H02") && table.out.contains("PASS") && table.out.contains("1 passed, 0 failed"))
        }
    }

    /// Defra's self-verification flow: each scenario's waste tracking ID goes to the PAT endpoint, which
    /// answers Pass or Fail per scenario; the sandbox imitates it with the checks Defra's UAT suite shows.
    @Test func submitSendsEachScenarioToThePATEndpointAndShowsItsVerdict() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let path = try Self.configFile(sandbox, folder)
            let run = try await RelayProcess.run(["pat", "--submit", "--json", "--config", path])
            #expect(run.status == 0, "\(run.out)\n\(run.err)")
            let output = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
            #expect(output["submissionId"] is String)
            let results = output["results"] as! [[String: Any]]
            let verdicts = results.compactMap { $0["defra"] as? [String: Any] }
            #expect(verdicts.map { $0["scenarioId"] as? String } == ApprovalAssessment.scenarioIDs)
            #expect(verdicts.allSatisfy { $0["status"] as? String == "Pass" }, "\(verdicts)")
            let table = try await RelayProcess.run(["pat", "--submit", "--scenario", "R04", "--config", path])
            #expect(table.out.contains("Defra's PAT endpoint: submission"), "\(table.out)")
            #expect(table.out.contains("1 Pass, 0 Fail"))
        }
    }

    /// The endpoint's own checks: a movement that does not show the scenario fails with the reason, and a
    /// malformed request is refused with the service's keys.
    @Test func patEndpointFailsAMovementThatDoesNotShowTheScenario() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try RelayConfig(values: [
                "api.base_url": sandbox.baseURL, "api.token_url": sandbox.tokenURL, "api.client_id": "sandbox-client",
                "api.client_secret_file": folder.sub("secret"), "paths.state": folder.sub("state"),
            ])
            let client = try ReceiptClient(
                config: config, clientSecret: RelayHarness.clientSecret,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            let token = try await client.tokens.token()
            let r01 = ApprovalScenario.all.first { $0.id == "R01" }!
            let sent = try await client.send(
                payload: r01.body(apiCode: "6f1f80e3-5c77-46cb-9766-f3d0f28039a6"), target: nil, token: token)
            let id = try #require(sent.wasteTrackingId)
            let answer = try await client.submitApprovalTests(
                [.init(scenarioId: "R01", wasteTrackingId: id), .init(scenarioId: "R02", wasteTrackingId: id)],
                url: nil,
                token: token)
            #expect(answer.outcomes.map(\.passed) == [true, false])
            #expect(answer.outcomes.last?.message == "Expected more than 1 waste item for R02, found 1")
            do {
                _ = try await client.submitApprovalTests(
                    [.init(scenarioId: "R01", wasteTrackingId: id), .init(scenarioId: "R01", wasteTrackingId: id)],
                    url: nil, token: token)
                Issue.record("a duplicate scenario must be refused")
            } catch let error as ApprovalSubmissionError {
                #expect(error.status == 400)
                #expect(error.detail.contains("contains a duplicate scenarioId value"))
            }
            #expect(ApprovalAssessment.requestErrors([Any]()).map(\.key) == ["ProductionApprovalTestRequest"])
            #expect(
                ApprovalAssessment.requestErrors([["scenarioId": "R11", "wasteTrackingId": ""]]).map(\.message) == [
                    "\"[0].scenarioId\" must be one of [R01, R02, R03, R04, R05, R07, C02, B01, P01, H01, H03, X01]",
                    "\"[0].wasteTrackingId\" is not allowed to be empty",
                ])
            await client.shutdown()
        }
    }

    /// pat files synthetic loads; against Defra's production host that would be a false legal record.
    @Test func patRefusesProductionUnlessToldExplicitly() async throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: [
            "api.base_url": "https://waste-tracking.api.defra.gov.uk", "api.client_id": "x",
            "api.client_secret_file": folder.sub("secret"), "site.api_code": "6f1f80e3-5c77-46cb-9766-f3d0f28039a6",
            "paths.state": folder.sub("state"),
        ])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let run = try await RelayProcess.run(["pat", "--config", path])
        #expect(run.status != 0)
        #expect(run.err.contains("production API") && run.err.contains("--production"), "\(run.err)")
        #expect(run.out.isEmpty, "nothing sent, no table")
    }

    @Test func scenariosCarryNoPersonalData() {
        for scenario in ApprovalScenario.all {
            let text = String(decoding: scenario.body(apiCode: "6f1f80e3-5c77-46cb-9766-f3d0f28039a6"), as: UTF8.self)
            #expect(!text.contains("@"), "\(scenario.id) has an email address")
            #expect(!text.contains("phoneNumber"), "\(scenario.id) has a phone number")
            #expect(!text.contains("emailAddress"))
        }
    }
}
