import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// Each part of the daemon logs under its own label (swift-log's one logger per component): a JSON line's
/// `logger` says whether the inbox, the sender or the store spoke, so a log shipper can route or filter by it.
@Suite(.serialized) struct LogLabelTests {
    @Test func theInboxAndTheSenderLogUnderTheirOwnLabels() async throws {
        try await RelayHarness.withSandbox(ProcessTests.sandboxConfiguration) { sandbox, folder in
            let config = try ProcessTests.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            let daemon = try RelayProcess(["run", "--log-format", "json", "--config", path])
            #expect(await eventually(timeout: 20) { FileManager.default.fileExists(atPath: config.inbox) })
            try TestFixtures.movement(reference: "LABEL-1").write(to: URL(fileURLWithPath: config.inbox + "/l.json"))
            let accepted = await eventually(timeout: 30) {
                let store = try? MovementStore(path: config.databasePath, access: .readOnly)
                return (try? store?.list().first?.state) == .accepted
            }
            #expect(accepted, "\(daemon.errorText.suffix(2000))")
            // The sender logs the outcome after recording it: wait for the line itself.
            let logged = await eventually(timeout: 20) { daemon.errorText.contains(#""movement accepted""#) }
            #expect(logged, "\(daemon.errorText.suffix(2000))")
            daemon.signal(SIGTERM)
            _ = await daemon.wait(timeout: 30)
            var labelOf: [String: String] = [:]
            for line in daemon.errorText.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let message = object["message"] as? String, let label = object["logger"] as? String
                else { continue }
                labelOf[message] = label
            }
            #expect(labelOf["dwt-relay starting"] == "dwt-relay")
            #expect(labelOf["movement stored"] == "dwt-relay.inbox", "\(labelOf)")
            #expect(labelOf["movement accepted"] == "dwt-relay.sender", "\(labelOf)")
        }
    }
}
