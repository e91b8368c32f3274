import DWTRelayTestSupport
import Testing

/// The test clock the daemon's delivery tests run on: a sleep ends when time is moved past its deadline,
/// not before, and a cancelled sleep ends at once with `CancellationError`.
@Suite struct TestClockTests {
    @Test func aSleepEndsOnlyWhenTimeIsMovedPastItsDeadline() async throws {
        let clock = TestClock()
        let sleeper = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(10))) }
        while clock.sleeping == 0 { await Task.yield() }
        clock.advance(by: .seconds(9))
        #expect(clock.sleeping == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(clock.sleeping == 0)
        #expect(clock.seconds == 10)
    }

    @Test func aCancelledSleepEndsAtOnce() async {
        let clock = TestClock()
        let sleeper = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(3600))) }
        while clock.sleeping == 0 { await Task.yield() }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeping == 0)
        // Cancelled before it began: it still ends.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(until: clock.now.advanced(by: .seconds(1)))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
    }

    @Test func aDeadlineAlreadyPassedDoesNotWait() async throws {
        let clock = TestClock()
        clock.advance(by: .seconds(5))
        try await clock.sleep(until: clock.now.advanced(by: .seconds(-1)))
        #expect(clock.nextDeadline == nil)
    }
}
