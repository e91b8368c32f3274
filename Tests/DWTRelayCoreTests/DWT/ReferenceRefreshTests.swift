import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// A reference-data refresh reaches every door without a restart. Before, the inbox checked with the lists
/// read at start-up and the local API and `submit` with the bundled copy: one body, three verdicts, and the
/// daily refresh used by nobody until a restart.
@Suite struct ReferenceRefreshTests {
    /// A container type the bundled list does not have, as if the service had added one since this build.
    static let newType = "WHB"

    static func lists(adding code: String) throws -> ReferenceData {
        var raw = ReferenceData.bundled.raw
        var types = try JSONSerialization.jsonObject(with: raw["container-types"]!) as! [[String: Any]]
        types.append(["code": code, "description": "Wheelie bin (added by the service)"])
        raw["container-types"] = try JSONSerialization.data(withJSONObject: types)
        return try ReferenceData(raw: raw)
    }

    static func body(_ reference: String) throws -> Data {
        var body = try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: reference)) as! [String: Any]
        var items = body["wasteItems"] as! [[String: Any]]
        items[0]["typeOfContainers"] = newType
        body["wasteItems"] = items
        return try JSONSerialization.data(withJSONObject: body)
    }

    @Test func aRefreshChangesTheVerdictOfTheInboxTheLocalAPIAndSubmit() async throws {
        let clock = TestClock()
        let port = freeLoopbackPort()
        try await RelayHarness.run(
            config: ["intake.validate": "reject", "http.listen": "127.0.0.1:\(port)"], clock: clock
        ) { harness in
            let base = "http://127.0.0.1:\(port)"
            let store = harness.store
            let configPath = try RelayProcess.writeConfig(harness.config, in: harness.folder)
            let token = try LocalAPITests.writerToken(harness)
            #expect(await eventually { (try? ReferenceDataStore(store: store).cached()) != nil })
            #expect(await eventually { (try? await LocalAPITests.call(.GET, base + "/healthz").status) == 200 })

            // The lists the service serves at start-up are the bundled ones: every door refuses the new type.
            try harness.drop("before.json", try Self.body("BEFORE-FILE"))
            let failedReport = harness.config.failedFolder(for: harness.config.sites[0]) + "/before.json.error.json"
            #expect(await eventually { FileManager.default.fileExists(atPath: failedReport) })
            #expect(try String(contentsOfFile: failedReport, encoding: .utf8).contains("typeOfContainers"))
            let refusedByAPI = try await LocalAPITests.call(
                .POST, base + "/v1/movements", body: try Self.body("BEFORE-API"), token: token)
            #expect(refusedByAPI.status == 422 || refusedByAPI.status == 400, "\(refusedByAPI.text)")
            try Self.body("BEFORE-SUBMIT").write(to: URL(fileURLWithPath: harness.folder.sub("before-submit.json")))
            let refusedBySubmit = try await RelayProcess.run([
                "submit", "--config", configPath, harness.folder.sub("before-submit.json"),
            ])
            #expect(refusedBySubmit.status != 0)

            // The service adds the type; a day later the daemon refreshes, and nothing is restarted.
            await harness.sandbox.state.setReferenceData(try Self.lists(adding: Self.newType))
            // In quarters: the harness lets every loop wake at each of its deadlines (the sender's every 30 s).
            for _ in 0..<4 { #expect(await harness.advance(clock, by: .seconds(21_600))) }
            #expect(
                await eventually {
                    (try? ReferenceDataStore(store: store).cached())?.data.containerTypes.contains(Self.newType) == true
                })

            try harness.drop("after.json", try Self.body("AFTER-FILE"))
            #expect(await eventually { (try? harness.movement(file: "after.json")) != nil }, "\(harness.logs.text)")
            let taken = try await LocalAPITests.call(
                .POST, base + "/v1/movements", body: try Self.body("AFTER-API"), token: token)
            #expect(taken.status == 202, "\(taken.text)")
            try Self.body("AFTER-SUBMIT").write(to: URL(fileURLWithPath: harness.folder.sub("after-submit.json")))
            let submitted = try await RelayProcess.run([
                "submit", "--config", configPath, harness.folder.sub("after-submit.json"),
            ])
            #expect(submitted.status == 0, "\(submitted.err)")
        }
    }
}
