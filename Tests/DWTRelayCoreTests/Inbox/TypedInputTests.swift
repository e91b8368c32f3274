import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// What people type, through the real binary and the sandbox: put into the API's form and said so, or refused
/// with the value shown.
@Suite struct TypedInputTests {
    static func ticket(_ change: (inout [String: Any]) -> Void) throws -> Data {
        var body =
            try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "TYPED-1")) as! [String: Any]
        change(&body)
        return try JSONSerialization.data(withJSONObject: body)
    }

    @Test func spacedCodesOtherCasesAndUKLocalTimesAreFixedAndRecorded() async throws {
        try await Sandbox.withRunning(ProcessTests.sandboxConfiguration, logger: ProcessTests.quiet) { running in
            let folder = TemporaryFolder()
            let config = try ProcessTests.config(folder, sandbox: running, extra: ["intake.validate": "reject"])
            let path = try RelayProcess.writeConfig(config, in: folder)
            try Self.ticket { body in
                var items = body["wasteItems"] as! [[String: Any]]
                items[0]["ewcCodes"] = ["02 01 01"]
                items[0]["physicalForm"] = "solid"
                var weight = items[0]["weight"] as! [String: Any]
                weight["metric"] = "tonnes"
                items[0]["weight"] = weight
                body["wasteItems"] = items
                body["dateTimeReceived"] = "2026-06-15 14:05"
            }.write(to: URL(fileURLWithPath: folder.sub("typed.json")))
            let daemon = try RelayProcess(["run", "--config", path])
            defer { daemon.signal(SIGKILL) }
            #expect(try await RelayProcess.run(["submit", "--config", path, folder.sub("typed.json")]).status == 0)
            let store = try MovementStore(
                path: config.databasePath, key: try StorageKey.load(config: config, create: false))
            #expect(await eventually(timeout: 20) { (try? store.counts()[.accepted]) == 1 }, "\(daemon.errorText)")
            let shown = try await RelayProcess.run(["show", "--ref", "TYPED-1", "--json", "--config", path])
            let object = try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as! [String: Any]
            let payload = object["payload"] as! [String: Any]
            let item = (payload["wasteItems"] as! [[String: Any]])[0]
            #expect(item["ewcCodes"] as? [String] == ["020101"])
            #expect(item["physicalForm"] as? String == "Solid")
            #expect((item["weight"] as? [String: Any])?["metric"] as? String == "Tonnes")
            #expect(payload["dateTimeReceived"] as? String == "2026-06-15T13:05:00.000Z", "BST is UTC+1")
            let notes = (object["events"] as! [[String: Any]]).compactMap { $0["message"] as? String }
            let note = notes.first { $0.hasPrefix("put into the API's form") } ?? ""
            #expect(note.contains(#"wasteItems[0].ewcCodes[0]: "02 01 01" → "020101""#), "\(notes)")
            #expect(note.contains(#"wasteItems[0].physicalForm: "solid" → "Solid""#))
            #expect(note.contains(#"dateTimeReceived: "2026-06-15 14:05" (UK time) → "2026-06-15T13:05:00.000Z""#))
        }
    }

    @Test func weightsWithUnitsAndClockChangeTimesAreRefusedWithTheValue() throws {
        // As configured by default (`intake.validate: warn`); `off` passes files through untouched.
        var intake = MovementIntake(siteAPICode: "code", maxBytes: 1 << 20)
        intake.validation = .warn
        func refusal(_ change: (inout [String: Any]) -> Void) -> IntakeRejection? {
            do {
                _ = try intake.check(try! Self.ticket(change), source: .inbox, sourceFile: "t.json")
                return nil
            } catch { return error }
        }
        let unit = refusal { body in
            var items = body["wasteItems"] as! [[String: Any]]
            var weight = items[0]["weight"] as! [String: Any]
            weight["amount"] = "2.5t"
            items[0]["weight"] = weight
            body["wasteItems"] = items
        }
        #expect(unit?.field == "wasteItems[0].weight.amount")
        #expect(unit?.reason.contains(#""2.5t""#) == true)
        #expect(unit?.reason.contains("the unit in wasteItems[0].weight.metric") == true, "\(String(describing: unit))")
        let autumn = refusal { $0["dateTimeReceived"] = "2026-10-25T01:30" }
        #expect(autumn?.field == "dateTimeReceived")
        #expect(autumn?.reason.contains("happens twice") == true)
        let spring = refusal { $0["dateTimeReceived"] = "2026-03-29T01:30:00" }
        #expect(spring?.reason.contains("does not exist") == true)
        // With an offset, or in winter, nothing is refused; winter local time is UTC.
        #expect(refusal { $0["dateTimeReceived"] = "2026-10-25T01:30:00+01:00" } == nil)
        let winter = try intake.check(
            try Self.ticket { $0["dateTimeReceived"] = "2026-12-01T09:00:00.5" }, source: .inbox, sourceFile: "w.json")
        #expect(winter.dateTimeReceived == "2026-12-01T09:00:00.500Z")
    }
}
