import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// `status --json` is read by monitoring scripts: every key README documents is there on a fresh store, an
/// unknown value as `null` rather than a missing key.
@Suite struct StatusOutputTests {
    @Test func everyDocumentedKeyIsPresentAndUnknownsAreNull() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let config = try RelayConfig(values: ["paths.state": folder.sub("state")])
        let report = StatusReport.build(
            facts: try store.statusFacts(), config: config, daemonRunning: nil, now: 1_790_000_000)
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONText.data(report.output)) as? [String: Any])
        let documented = [
            "health", "problems", "daemon", "counts", "pending", "oldestPendingAt", "oldestPendingAgeSeconds",
            "lastAcceptedAt", "lastError", "auth", "circuit", "serviceChargeExpiry", "paymentRequired", "held",
            "possibleDuplicates", "deadlines", "inbox", "unreported",
        ]
        for key in documented { #expect(object.keys.contains(key), "status --json lacks \(key)") }
        #expect(object["oldestPendingAt"] is NSNull)
        let daemon = try #require(object["daemon"] as? [String: Any])
        #expect(Set(daemon.keys) == ["running", "pid", "startedAt", "lastHeartbeatAt"])
        #expect(daemon["running"] is NSNull, "cannot tell is null, not false")
        #expect((object["auth"] as? [String: Any])?["state"] as? String == "unknown")
        #expect((object["counts"] as? [String: Int])?.count == MovementState.allCases.count)
        #expect(object["health"] as? String == "UNKNOWN")
        #expect((object["problems"] as? [String])?.first?.hasPrefix("UNKNOWN:") == true)
    }
}
