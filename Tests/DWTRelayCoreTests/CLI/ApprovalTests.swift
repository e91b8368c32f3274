import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Logging
import Testing

/// `dwt-relay pat` runs Defra's production approval scenarios; against the sandbox all pass.
@Suite struct ApprovalTests {
    @Test func everyScenarioPassesAgainstTheSandbox() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try RelayConfig(values: [
                "api.base_url": sandbox.baseURL, "api.token_url": sandbox.tokenURL, "api.client_id": "sandbox-client",
                "api.client_secret_file": folder.sub("secret"), "site.api_code": "6f1f80e3-5c77-46cb-9766-f3d0f28039a6",
                "paths.state": folder.sub("state"),
            ])
            let path = try RelayProcess.writeConfig(config, in: folder)
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

    @Test func scenariosCarryNoPersonalData() {
        for scenario in ApprovalScenario.all {
            let text = String(decoding: scenario.body(apiCode: "6f1f80e3-5c77-46cb-9766-f3d0f28039a6"), as: UTF8.self)
            #expect(!text.contains("@"), "\(scenario.id) has an email address")
            #expect(!text.contains("phoneNumber"), "\(scenario.id) has a phone number")
            #expect(!text.contains("emailAddress"))
        }
    }
}
