import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Logging
import Testing

/// `intake.validate`: the operator learns of a problem while the lorry is still on the weighbridge.
@Suite struct IntakeValidationTests {
    let folder = TemporaryFolder()

    func setUp(_ mode: String) throws -> (TemporaryFolder, RelayConfig, MovementStore, InboxIngestor) {
        let config = try RelayConfig(values: [
            "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.state": folder.sub("state"),
            "intake.validate": mode,
        ])
        let store = try MovementStore(path: config.databasePath)
        let ingestor = InboxIngestor(
            config: config, store: store, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        try ingestor.prepareFolders()
        return (folder, config, store, ingestor)
    }

    func invalidBody() throws -> Data {
        var body = try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "V-1")) as! [String: Any]
        var carrier = body["carrier"] as! [String: Any]
        carrier["meansOfTransport"] = "Road"
        body["carrier"] = carrier
        return try JSONSerialization.data(withJSONObject: body)
    }

    @Test func rejectModeRefusesWithTheSpecErrors() throws {
        let (_, config, store, ingestor) = try setUp("reject")
        try invalidBody().write(to: URL(fileURLWithPath: config.inbox + "/road.json"))
        ingestor.scan()
        #expect(try store.list().isEmpty)
        let report =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: config.failed + "/road.json.error.json"))) as! [String: Any]
        #expect(report["field"] as? String == "carrier.vehicleRegistration")
        let errors = report["errors"] as? [[String: Any]] ?? []
        #expect(errors.first?["errorType"] as? String == "NotProvided")
        #expect(
            errors.first?["message"] as? String
                == "If carrier.meansOfTransport is \"Road\" then carrier.vehicleRegistration is required")
    }

    @Test func warnModeStoresItAndNotesTheProblem() throws {
        let (_, config, store, ingestor) = try setUp("warn")
        try invalidBody().write(to: URL(fileURLWithPath: config.inbox + "/road.json"))
        ingestor.scan()
        let movement = try #require(try store.list().first)
        let notes = try store.events(movement.id!).compactMap(\.message)
        #expect(notes.contains { $0.contains("offline validation") && $0.contains("carrier.vehicleRegistration") })
    }

    @Test func offModeDoesNotLook() throws {
        let (_, config, store, ingestor) = try setUp("off")
        try invalidBody().write(to: URL(fileURLWithPath: config.inbox + "/road.json"))
        ingestor.scan()
        let movement = try #require(try store.list().first)
        #expect(try store.events(movement.id!).allSatisfy { $0.message?.contains("offline validation") != true })
    }

    /// Defra's service stores a body without `carrier` and then answers 500 (its warnings step reads the
    /// carrier without checking it is there); every resend would store another copy under an ID the relay
    /// never learns. So even `warn` refuses it, naming the field and saying why.
    @Test func warnModeRefusesABodyTheServiceWouldStoreThenFail() throws {
        let (_, config, store, ingestor) = try setUp("warn")
        var body =
            try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "NO-CARRIER")) as! [String: Any]
        body["carrier"] = nil
        try JSONSerialization.data(withJSONObject: body).write(
            to: URL(fileURLWithPath: config.inbox + "/own-lorry.json"))
        ingestor.scan()
        #expect(try store.list().isEmpty)
        let report =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: config.failed + "/own-lorry.json.error.json")))
            as! [String: Any]
        #expect(report["field"] as? String == "carrier")
        #expect((report["reason"] as? String ?? "").contains("answers 500"))
        #expect(FileManager.default.fileExists(atPath: config.failed + "/own-lorry.json"))
    }
}
