import DWTRelayCore
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(initialSeconds: 1, maxSeconds: 300)

    @Test func ceilingDoublesAndCaps() {
        #expect(policy.ceiling(attempt: 1) == 1)
        #expect(policy.ceiling(attempt: 2) == 2)
        #expect(policy.ceiling(attempt: 5) == 16)
        #expect(policy.ceiling(attempt: 10) == 300)
        #expect(policy.ceiling(attempt: 10_000) == 300)
    }

    @Test func fullJitterSpansZeroToCeiling() {
        #expect(policy.delay(attempt: 4, jitter: 0) == 0)
        #expect(policy.delay(attempt: 4, jitter: 0.5) == 4)
        #expect(policy.delay(attempt: 4, jitter: 1) == 8)
    }

    @Test func retryAfterIsAFloor() {
        #expect(policy.delay(attempt: 1, jitter: 0.5, retryAfter: 30) == 30)
        #expect(policy.delay(attempt: 9, jitter: 1, retryAfter: 30) == 256)
    }
}

@Suite struct RateLimiterTests {
    @Test func pacesAtTheConfiguredRate() {
        var limiter = RateLimiter(maxRate: 10)
        let waits = (0..<5).map { _ in limiter.reserve(now: 100) }
        #expect(waits.map { ($0 * 1000).rounded() } == [0, 100, 200, 300, 400])
    }

    @Test func halvesOnThrottleAndRegainsSlowly() {
        var limiter = RateLimiter(maxRate: 100)
        limiter.throttled()
        #expect(limiter.rate == 50)
        limiter.throttled()
        #expect(limiter.rate == 25)
        for _ in 0..<10 { limiter.succeeded() }
        #expect(limiter.rate == 35)
        for _ in 0..<1000 { limiter.succeeded() }
        #expect(limiter.rate == 100)
    }

    @Test func zeroMeansUnlimited() {
        var limiter = RateLimiter(maxRate: 0)
        #expect((0..<100).allSatisfy { _ in limiter.reserve(now: 0) == 0 })
    }
}
