import DWTRelayCore
import DWTRelayTestSupport
import Testing

/// Tests that move the daemon's `TestClock` wait for every loop on it to sleep again before the next step;
/// the count comes from the daemon, so a service that joins the clock cannot make those tests move time
/// while it is still busy. (It was a constant, 3, and wrong for a daemon with alerts.)
@Suite struct RelayHarnessTests {
    @Test(arguments: [false, true]) func theDaemonCountsTheLoopsThatSleepOnItsClock(alerts: Bool) async throws {
        let clock = TestClock()
        let overrides = alerts ? ["alerts.webhook_url": "http://127.0.0.1:9/hook"] : [:]
        try await RelayHarness.run(config: overrides, clock: clock) { harness in
            let expected = harness.loopsOnTheClock
            #expect(expected == (alerts ? 5 : 3))
            // Loops fall asleep one by one at start: the count must be reached, and for half a second of
            // real time no further loop joins. A loop may wake briefly meanwhile without the clock moving (the
            // inbox's first scan signals the sender), so a dip below the count is allowed, provided it
            // comes back to exactly the count.
            @Sendable func settles() async -> Bool {
                guard await eventually(timeout: 30, poll: 0.002, { clock.sleeping >= expected }) else { return false }
                guard await !eventually(timeout: 0.5, poll: 0.002, { clock.sleeping > expected }) else { return false }
                return await eventually(timeout: 30, poll: 0.002) { clock.sleeping == expected }
            }
            #expect(await settles(), "\(clock.sleeping) asleep, \(expected) expected")
            #expect(await harness.advance(clock, by: .seconds(120)))
            #expect(await settles(), "\(clock.sleeping) asleep, \(expected) expected")
        }
    }
}
