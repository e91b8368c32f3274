import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// The daemon against the sandbox over real HTTP on loopback, with a real SQLite file and spool folders.
@Suite(.serialized) struct DeliveryIntegrationTests {
    func result(_ harness: RelayHarness, _ name: String) throws -> [String: Any]? {
        let path = harness.config.results + "/" + name.replacingOccurrences(of: ".json", with: "") + ".result.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    @Test func everyExampleReachesItsStateWithIDAndResultFile() async throws {
        try await RelayHarness.run(config: ["site.api_code": "c1611aa6-e1ae-487f-9768-cb2b5e5b8afb"]) { harness in
            let examples = try TestFixtures.examples()
            for example in examples { try harness.drop(example.name, example.data) }
            #expect(await eventually { (try? harness.allFinal(count: examples.count)) == true })
            let listing = await harness.sandbox.state.listing()
            for example in examples {
                let movement = try #require(try harness.movement(file: example.name))
                let file = try #require(try result(harness, example.name), "result file for \(example.name)")
                #expect(file["state"] as? String == movement.state.rawValue)
                #expect(file["id"] as? Int64 == movement.id || file["id"] as? Int == Int(movement.id!))
                if example.name.hasPrefix("error-") {
                    // The file has no apiCode; with site.api_code configured the daemon fills it in, so the
                    // body becomes valid. (Sent as-is it is a 400: see SandboxTests.)
                    #expect(movement.apiCode == "c1611aa6-e1ae-487f-9768-cb2b5e5b8afb")
                }
                #expect(movement.state == .accepted, "\(example.name): \(movement.lastError ?? "")")
                let id = try #require(movement.wasteTrackingId)
                #expect(WasteTrackingID(id) != nil)
                #expect(file["wasteTrackingId"] as? String == id)
                #expect(listing.contains { $0.wasteTrackingId == id && $0.posts == 1 })
                let warnings = file["warnings"] as? [[String: Any]] ?? []
                let body = try JSONSerialization.jsonObject(with: example.data) as! [String: Any]
                let items = body["wasteItems"] as! [[String: Any]]
                if items.contains(where: { $0["disposalOrRecoveryCodes"] == nil }) {
                    #expect(warnings.contains { ($0["key"] as? String ?? "").contains("disposalOrRecoveryCodes") })
                } else {
                    #expect(warnings.isEmpty, "\(example.name): \(warnings)")
                }
            }
        }
    }

    @Test func invalidBodyIsRejectedWithTheServiceErrorsAndNeverRetried() async throws {
        try await RelayHarness.run { harness in
            var body =
                try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "BAD-1")) as! [String: Any]
            body["receiver"] = ["siteName": "X", "authorisationNumber": "not-a-permit"]
            try harness.drop("bad.json", try JSONSerialization.data(withJSONObject: body))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            let movement = try #require(try harness.movement(file: "bad.json"))
            #expect(movement.state == .rejected)
            #expect(movement.attempts == 1)
            let file = try #require(try result(harness, "bad.json"))
            let errors = try #require(file["errors"] as? [[String: Any]])
            #expect(
                errors.contains {
                    $0["key"] as? String == "receiver.authorisationNumber"
                        && $0["errorType"] as? String == "InvalidFormat"
                })
            #expect(await harness.sandbox.state.listing().isEmpty)
        }
    }

    @Test func tokenExpiringMidRunIsRefreshedWithoutAFailedDelivery() async throws {
        // The daemon's token cache and the sandbox's token expiry share a test clock: the token expires when
        // the test moves time past its lifetime, not after a sleep.
        let clock = TestClock()
        var sandbox = SandboxConfiguration()
        sandbox.tokenLifetimeSeconds = 60
        try await RelayHarness.run(sandbox: sandbox, clock: clock) { harness in
            for index in 0..<3 {
                try harness.drop("t\(index).json", TestFixtures.movement(reference: "TOK-\(index)"))
            }
            #expect(await eventually { (try? harness.allFinal(count: 3)) == true })
            #expect(await harness.sandbox.state.tokenRequests == 1)
            // Within the refresh margin (a tenth of the lifetime): the cached token is still used.
            #expect(await harness.advance(clock, by: .seconds(50)))
            try harness.drop("t3.json", TestFixtures.movement(reference: "TOK-3"))
            #expect(await eventually { (try? harness.allFinal(count: 4)) == true })
            #expect(await harness.sandbox.state.tokenRequests == 1)
            // Past the lifetime: the sandbox would answer 401 to the old token, so it must be refreshed first.
            #expect(await harness.advance(clock, by: .seconds(11)))
            for index in 4..<7 {
                try harness.drop("t\(index).json", TestFixtures.movement(reference: "TOK-\(index)"))
            }
            #expect(await eventually { (try? harness.allFinal(count: 7)) == true })
            let movements = try harness.store.list()
            #expect(movements.allSatisfy { $0.state == .accepted && $0.attempts == 1 })
            #expect(await harness.sandbox.state.tokenRequests == 2)
            // No delivery ever saw a 401: each one's event log has exactly one HTTP exchange.
            for movement in movements {
                #expect(try harness.store.events(movement.id!).filter { $0.kind == .http }.map(\.status) == [201])
            }
        }
    }

    @Test func revokedTokenIsRefreshedOnceAndResent() async throws {
        try await RelayHarness.run { harness in
            try harness.drop("a.json", TestFixtures.movement(reference: "REV-A"))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            await harness.sandbox.state.revokeAllTokens()
            try harness.drop("b.json", TestFixtures.movement(reference: "REV-B"))
            #expect(await eventually { (try? harness.allFinal(count: 2)) == true })
            let b = try #require(try harness.movement(file: "b.json"))
            #expect(b.state == .accepted)
            #expect(try harness.store.events(b.id!).filter { $0.kind == .http }.map(\.status) == [401, 201])
        }
    }

    @Test func flakyServiceStillDeliversEverythingExactlyOnce() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.errorRate = 0.3
        sandbox.faults.rateLimitBurst = 10
        sandbox.faults.retryAfterSeconds = nil
        try await RelayHarness.run(sandbox: sandbox, config: ["delivery.concurrency": "8"]) { harness in
            let count = 60
            for index in 0..<count {
                try harness.drop("f\(index).json", TestFixtures.movement(reference: "FLAKY-\(index)"))
            }
            #expect(await eventually(timeout: 60) { (try? harness.allFinal(count: count)) == true })
            let movements = try harness.store.list()
            #expect(movements.count == count)
            #expect(movements.allSatisfy { $0.state == .accepted })
            // A 500/502/504 to a POST may follow a stored movement (Defra's service stores before its warnings
            // step can fail), so the resend is flagged; a 503 or 429 is a refusal and is not.
            for movement in movements {
                let answers = try harness.store.events(movement.id!).compactMap(\.status)
                let inDoubt = answers.contains { [500, 502, 504].contains($0) }
                #expect(movement.possibleDuplicate == inDoubt, "movement \(movement.id!) answers \(answers)")
            }
            let listing = await harness.sandbox.state.listing()
            #expect(listing.count == count, "every movement stored once at the service")
            #expect(listing.allSatisfy { $0.posts == 1 })
            #expect(Set(listing.map(\.wasteTrackingId)) == Set(movements.compactMap(\.wasteTrackingId)))
            #expect(movements.contains { $0.attempts > 1 }, "the faults must actually have been hit")
        }
    }

    @Test func unpaidServiceChargeHoldsThenResumesWhenPaid() async throws {
        let code = "98093f51-a0b8-41a4-a349-a533a0dffd97"
        var sandbox = SandboxConfiguration()
        sandbox.unpaidAPICodes = [code]
        let clock = TestClock()
        try await RelayHarness.run(sandbox: sandbox, config: ["delivery.payment_probe_seconds": "60"], clock: clock) {
            harness in
            for index in 0..<3 {
                try harness.drop("p\(index).json", TestFixtures.movement(reference: "PAY-\(index)", apiCode: code))
            }
            try harness.drop("other.json", TestFixtures.movement(reference: "PAY-OTHER"))
            #expect(await eventually { (try? harness.movement(file: "other.json"))??.state == .accepted })
            #expect(await eventually { (try? harness.store.counts()[.held]) ?? 0 >= 1 })
            let facts = try harness.store.statusFacts()
            let report = StatusReport.build(
                facts: facts, config: harness.config, daemonRunning: true, now: Date().timeIntervalSince1970)
            #expect(report.health == .critical)
            #expect(
                report.problems.contains { $0.contains("service charge is unpaid") && $0.contains("held, not lost") })
            // Probing is one request per probe interval, not the whole queue, and nothing in between.
            #expect(await harness.advance(clock, by: .zero))
            let requestsWhileUnpaid = await harness.sandbox.state.movementRequests
            #expect(await harness.advance(clock, by: .seconds(59)))
            #expect(await harness.sandbox.state.movementRequests == requestsWhileUnpaid)
            for probe in 1...3 {
                #expect(await harness.advance(clock, by: .seconds(60)))
                #expect(await harness.sandbox.state.movementRequests == requestsWhileUnpaid + probe)
            }
            await harness.sandbox.state.setPaid(code, paid: true)
            #expect(await harness.advance(clock, by: .seconds(60)))
            #expect(await eventually { (try? harness.allFinal(count: 4)) == true })
            #expect(try harness.store.list().allSatisfy { $0.state == .accepted })
            let after = StatusReport.build(
                facts: try harness.store.statusFacts(), config: harness.config, daemonRunning: true,
                now: Date().timeIntervalSince1970)
            #expect(!after.problems.contains { $0.contains("unpaid") })
        }
    }

    @Test func revisionByReferenceBecomesAPutToTheRightID() async throws {
        try await RelayHarness.run { harness in
            try harness.drop("v1.json", TestFixtures.movement(reference: "TICKET-77"))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            let first = try #require(try harness.movement(file: "v1.json"))
            let id = try #require(first.wasteTrackingId)
            let corrected = try TestFixtures.movement(reference: "TICKET-77", siteName: "Corrected Ltd")
            try harness.drop("v2.json", corrected)
            #expect(await eventually { (try? harness.allFinal(count: 2)) == true })
            let second = try #require(try harness.movement(file: "v2.json"))
            #expect(second.kind == .put)
            #expect(second.wasteTrackingId == id)
            let stored = try #require(await harness.sandbox.state.listing().first { $0.wasteTrackingId == id })
            #expect(stored.posts == 1)
            #expect(stored.puts == 1)
            #expect(stored.latestBodyHash == MovementIntake.hash(corrected))
        }
    }

    @Test func putToAnUnknownIDIsAcceptedAndFlaggedNotFound() async throws {
        try await RelayHarness.run { harness in
            let inner = try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "ENV-1"))
            let envelope = try JSONSerialization.data(withJSONObject: [
                "wasteTrackingId": "26QQQQQQ", "movement": inner,
            ])
            try harness.drop("env.json", envelope)
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            let movement = try #require(try harness.movement(file: "env.json"))
            #expect(movement.state == .accepted)
            #expect(movement.notFound)
            #expect(movement.lastStatus == 404)
        }
    }

    @Test func inDoubtPostIsResentAndFlagged() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.dropAfterStoreRate = 1
        try await RelayHarness.run(sandbox: sandbox) { harness in
            try harness.drop("doubt.json", TestFixtures.movement(reference: "DOUBT-1"))
            #expect(await eventually { (try? harness.store.list().first?.attempts ?? 0) ?? 0 >= 1 })
            #expect(await eventually { (try? harness.movement(file: "doubt.json"))??.possibleDuplicate == true })
            await harness.setFaults(SandboxFaults())
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            let movement = try #require(try harness.movement(file: "doubt.json"))
            #expect(movement.state == .accepted)
            #expect(movement.possibleDuplicate)
            // The service really does hold it more than once; the flag is what tells the operator.
            #expect(await harness.sandbox.state.listing().count >= 2)
            let report = StatusReport.build(
                facts: try harness.store.statusFacts(), config: harness.config, daemonRunning: true,
                now: Date().timeIntervalSince1970)
            #expect(report.output?.possibleDuplicates == 1)
            #expect(try harness.store.list(possibleDuplicatesOnly: true).map(\.sourceFile) == ["doubt.json"])
        }
    }

    /// The real cause of an in-doubt 500: Defra's service stores a body without `carrier`, then fails. The
    /// sandbox does the same, so the relay (with intake validation off, which would otherwise refuse it)
    /// holds it as in doubt, and a resend is flagged; the sandbox shows why: it holds the movement twice.
    @Test func postAnsweredFiveHundredAfterStoringIsResentFlagged() async throws {
        try await RelayHarness.run(config: ["intake.validate": "off", "delivery.in_doubt": "hold"]) { harness in
            var body =
                try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "STORED-500"))
                as! [String: Any]
            body["carrier"] = nil
            try harness.drop("no-carrier.json", try JSONSerialization.data(withJSONObject: body))
            #expect(await eventually { (try? harness.movement(file: "no-carrier.json"))??.state == .held })
            let held = try #require(try harness.movement(file: "no-carrier.json"))
            #expect(held.holdReason == .inDoubt)
            #expect(held.lastStatus == 500)
            #expect(await harness.sandbox.state.listing().count == 1, "the service stored it although it answered 500")
            // An operator's retry resends it, flagged; the service stores a second copy and fails again.
            _ = try harness.store.release(ids: [held.id!], now: Date().timeIntervalSince1970)
            WakeSocket.nudge(databasePath: harness.config.databasePath)
            #expect(await eventually { await harness.sandbox.state.listing().count == 2 })
            #expect(await eventually { (try? harness.movement(file: "no-carrier.json"))??.state == .held })
            #expect(try harness.movement(file: "no-carrier.json")?.possibleDuplicate == true)
        }
    }

    @Test func inDoubtPostIsHeldUnderHoldPolicy() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.dropAfterStoreRate = 1
        let clock = TestClock()
        try await RelayHarness.run(sandbox: sandbox, config: ["delivery.in_doubt": "hold"], clock: clock) { harness in
            try harness.drop("hold.json", TestFixtures.movement(reference: "HOLD-1"))
            #expect(await eventually { (try? harness.movement(file: "hold.json"))??.state == .held })
            let held = try #require(try harness.movement(file: "hold.json"))
            #expect(held.holdReason == .inDoubt)
            await harness.setFaults(SandboxFaults())
            // Ten minutes pass, far beyond every backoff and probe interval here: none releases an in-doubt hold.
            #expect(await harness.advance(clock, by: .seconds(600)))
            #expect(try harness.movement(file: "hold.json")?.state == .held, "held until an operator says retry")
            #expect(await harness.sandbox.state.movementRequests == 1)
            _ = try harness.store.release(ids: [held.id!], now: Date().timeIntervalSince1970)
            WakeSocket.nudge(databasePath: harness.config.databasePath)
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            #expect(try harness.movement(file: "hold.json")?.possibleDuplicate == true)
        }
    }

    /// A token endpoint that answers 200 with an HTML page (a proxy's sign-in page, a wrong URL) is a
    /// configuration to fix: `auth.state` failing with what it answered, not "unknown" while the loads wait.
    @Test func aTokenEndpointAnsweringHTMLIsReportedAsFailing() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.tokenEndpointHTML = true
        try await RelayHarness.run(sandbox: sandbox) { harness in
            try harness.drop("html.json", TestFixtures.movement(reference: "HTML-1"))
            #expect(
                await eventually {
                    (try? harness.store.statusFacts().service.auth) == .failing
                })
            let detail = try harness.store.statusFacts().service.authDetail ?? ""
            #expect(detail.contains("answered HTML") && detail.contains("api.token_url"), "\(detail)")
            #expect(await harness.sandbox.state.movementRequests == 0)
            await harness.setFaults(SandboxFaults())
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            #expect(try harness.store.statusFacts().service.auth == .ok)
        }
    }

    @Test func refusedCredentialsStopSendingAndKeepTheQueue() async throws {
        let clock = TestClock()
        try await RelayHarness.run(config: ["delivery.auth_probe_seconds": "60"], clock: clock) { harness in
            // The reference-data refresh at start asks for a token too: let it finish first, so that only the
            // probes are counted below.
            #expect(await eventually { harness.logs.text.contains("reference data refreshed") })
            // The sandbox's secret changes under the daemon: the token endpoint now refuses it.
            await harness.sandbox.state.revokeAllTokens()
            await harness.sandbox.state.setCredentials(clientID: "sandbox-client", clientSecret: "rotated")
            for index in 0..<3 {
                try harness.drop("a\(index).json", TestFixtures.movement(reference: "AUTH-\(index)"))
            }
            #expect(
                await eventually {
                    (try? harness.store.statusFacts().service.auth) == .failing
                })
            // The sender sleeps on the clock as soon as the first refusal shuts the gate; the other loads' answers
            // (a 401, then a refused token) may still be on their way: let them all be recorded first.
            #expect(await eventually { (try? harness.store.counts()[.sending]) ?? 0 == 0 })
            // Three auth probe intervals pass: each probe asks for a token once, and nothing is sent.
            #expect(await harness.advance(clock, by: .zero))
            let refusedBefore = await harness.sandbox.state.refusedTokenRequests
            for _ in 1...3 { #expect(await harness.advance(clock, by: .seconds(60))) }
            #expect(await harness.sandbox.state.movementRequests == 0)
            #expect(await harness.sandbox.state.refusedTokenRequests == refusedBefore + 3)
            let pending = try harness.store.list().filter { $0.state.isPending }
            #expect(pending.count == 3)
            let report = StatusReport.build(
                facts: try harness.store.statusFacts(), config: harness.config, daemonRunning: true,
                now: Date().timeIntervalSince1970)
            #expect(report.health == .critical)
            await harness.sandbox.state.setCredentials(
                clientID: "sandbox-client", clientSecret: RelayHarness.clientSecret)
            #expect(await harness.advance(clock, by: .seconds(60)))
            #expect(await eventually { (try? harness.allFinal(count: 3)) == true })
        }
    }

    @Test func secretsAndTokensAppearNowhere() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.errorRate = 0.2
        sandbox.tokenLifetimeSeconds = 1
        try await RelayHarness.run(sandbox: sandbox) { harness in
            for (index, example) in try TestFixtures.examples().enumerated() where !example.name.hasPrefix("error-") {
                try harness.drop("s\(index).json", example.data)
            }
            await harness.sandbox.state.revokeAllTokens()
            #expect(await eventually { (try? harness.allFinal(count: 6)) == true })
            let issued = await harness.sandbox.state.issuedTokens
            #expect(!issued.isEmpty)
            var haystack = harness.logs.text
            for movement in try harness.store.list() {
                haystack += String(decoding: movement.payload, as: UTF8.self)
                haystack += JSONText.encode(MovementSummary(movement)) + JSONText.encode(MovementResult(movement))
                for event in try harness.store.events(movement.id!) { haystack += "\(event)" }
            }
            let facts = try harness.store.statusFacts()
            haystack += JSONText.encode(
                StatusReport.build(facts: facts, config: harness.config, daemonRunning: true, now: 0).output)
            for file in try FileManager.default.contentsOfDirectory(atPath: harness.config.results) {
                haystack += String(
                    decoding: FileManager.default.contents(atPath: harness.config.results + "/" + file)!, as: UTF8.self)
            }
            // The raw database file too (WAL included): the secret and tokens are never stored.
            for file in try FileManager.default.contentsOfDirectory(atPath: harness.config.stateDirectory) {
                haystack += String(
                    decoding: FileManager.default.contents(atPath: harness.config.stateDirectory + "/" + file)
                        ?? Data(), as: UTF8.self)
            }
            #expect(!haystack.contains(RelayHarness.clientSecret))
            for token in issued { #expect(!haystack.contains(token)) }
            #expect(haystack.contains("movement accepted"), "the haystack must hold the real logs")
        }
    }

    /// Regression (found by scripts/soak): a circuit probe answered 429 left the queue paused forever.
    @Test func circuitResumesAfterAProbeIsThrottled() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.errorRate = 1
        try await RelayHarness.run(sandbox: sandbox, config: ["delivery.circuit_failures": "3"]) {
            (harness: RelayHarness) async throws in
            for index in 0..<5 {
                try harness.drop("c\(index).json", TestFixtures.movement(reference: "CIRCUIT-\(index)"))
            }
            #expect(await eventually { (try? harness.store.statusFacts().service.circuit) == .open })
            var throttled = SandboxFaults()
            throttled.rateLimitBurst = 3
            await harness.setFaults(throttled)
            #expect(await eventually(timeout: 30) { (try? harness.allFinal(count: 5)) == true })
            #expect(try harness.store.statusFacts().service.circuit == .closed)
        }
    }
}
