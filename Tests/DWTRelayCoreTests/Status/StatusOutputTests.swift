import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// `status --json` is read by monitoring scripts: every key docs/operating.md documents is there on a fresh store, an
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

    /// The sender's published facts come out as the documented words; a word this version does not know (a
    /// newer daemon wrote it) reads as `unknown`, not as a crash or a guess.
    @Test func authAndCircuitStatesAreTheDocumentedWords() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let config = try RelayConfig(values: ["paths.state": folder.sub("state")])
        let facts = ServiceStatusStore(store: store)
        func states() throws -> (auth: String?, circuit: String?) {
            let report = StatusReport.build(
                facts: try store.statusFacts(), config: config, daemonRunning: nil, now: 1_790_000_000)
            let object = try JSONSerialization.jsonObject(with: JSONText.data(report.output)) as? [String: Any]
            return (
                (object?["auth"] as? [String: Any])?["state"] as? String,
                (object?["circuit"] as? [String: Any])?["state"] as? String
            )
        }
        #expect(try states() == ("unknown", "unknown"))
        try facts.publish(.auth(.failing("invalid_client")))
        try facts.publish(.circuit(open: 1_790_000_060))
        #expect(try states() == ("failing", "open"))
        try facts.publish(.auth(.ok))
        try facts.publish(.circuit(open: nil))
        #expect(try states() == ("ok", "closed"))
        try facts.set(.authState, "half-open")
        #expect(try states().auth == "unknown")
    }

    /// The stored keys are the database's: a typed key is written as the text earlier versions wrote, and
    /// every text reads back as the key that wrote it (a key this version does not know is skipped).
    @Test func serviceStateKeysKeepTheirStoredText() {
        let texts: [(ServiceStateKey, String)] = [
            (.daemonPID, "daemon.pid"), (.daemonStartedAt, "daemon.startedAt"), (.daemonHeartbeat, "daemon.heartbeat"),
            (.intakeError, "intake.error"), (.httpError, "http.error"), (.lastAcceptedAt, "lastAcceptedAt"),
            (.lastError, "lastError"), (.storageKeyID, "storage.keyId"), (.databaseID, "database.id"),
            (.databaseLoss, "database.loss"), (.alertsCursor, "alerts.cursor"), (.authState, "auth.state"),
            (.authDetail, "auth.detail"), (.tokenExpiresAt, "auth.tokenExpiresAt"), (.circuitState, "circuit.state"),
            (.circuitUntil, "circuit.until"), (.paymentRequired(apiCode: "c-1"), "paymentRequired:c-1"),
            (.serviceChargeExpiry(apiCode: "c-1"), "serviceChargeExpiry:c-1"),
        ]
        for (key, text) in texts {
            #expect(key.description == text)
            #expect(ServiceStateKey(stored: text) == key)
        }
        #expect(ServiceStateKey(stored: "a.later.version") == nil)
    }

    /// Facts kept per apiCode come out per apiCode, in order: the unpaid ones as CRITICAL problems, a charge
    /// expiring within 30 days as a warning.
    @Test func perAPICodeFactsAreReadBackPerAPICode() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let config = try RelayConfig(values: ["paths.state": folder.sub("state")])
        let facts = ServiceStatusStore(store: store)
        try facts.publish(.paymentRequired(apiCode: "code-b", since: 1_790_000_000))
        try facts.publish(.paymentRequired(apiCode: "code-a", since: 1_790_000_000))
        try facts.set(.serviceChargeExpiry(apiCode: "code-c"), "2026-09-30")
        let report = StatusReport.build(
            facts: try store.statusFacts(), config: config, daemonRunning: true, now: 1_790_000_000)
        #expect(report.output?.paymentRequired == ["code-a", "code-b"])
        #expect(report.output?.serviceChargeExpiry == ["code-c": "2026-09-30"])
        let unpaid = report.problems.filter { $0.contains("unpaid") }
        #expect(unpaid.count == 2 && unpaid[0].contains("code-a") && unpaid[1].contains("code-b"), "\(unpaid)")
        #expect(report.problems.contains { $0.contains("apiCode code-c expires on 2026-09-30") })
        try facts.publish(.paymentRequired(apiCode: "code-a", since: nil))
        let paid = StatusReport.build(
            facts: try store.statusFacts(), config: config, daemonRunning: true, now: 1_790_000_000)
        #expect(paid.output?.paymentRequired == ["code-b"])
    }

    /// Holds only a person can end are each a warning with what to do, in a stable order; payment and auth
    /// holds are reported by their cause instead; a reason this version does not know is still shown.
    @Test func operatorHoldsAreWarningsAndProbeHoldsAreNot() throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: ["paths.state": folder.sub("state")])
        var facts = StatusFacts()
        facts.heldByReason = [
            "payment": 4, "unexpected-status": 1, "in-doubt": 2, "auth": 3, "forbidden": 5, "later": 6,
        ]
        let report = StatusReport.build(facts: facts, config: config, daemonRunning: true, now: 1_790_000_000)
        let held = report.problems.filter { $0.contains("held (") }
        #expect(
            held == [
                "WARNING: 5 movement(s) held (forbidden): see `dwt-relay list --state held`, then `dwt-relay retry`",
                "WARNING: 2 movement(s) held (in-doubt): see `dwt-relay list --state held`, then `dwt-relay retry`",
                "WARNING: 6 movement(s) held (later): see `dwt-relay list --state held`, then `dwt-relay retry`",
                "WARNING: 1 movement(s) held (unexpected-status): see `dwt-relay list --state held`, then `dwt-relay retry`",
            ], "\(held)")
        #expect(report.output?.held == facts.heldByReason, "status --json lists every hold")
    }
}
