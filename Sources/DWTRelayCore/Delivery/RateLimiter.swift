/// Client-side request pacing with AIMD: the rate halves on a 429 and climbs back slowly on success.
///
/// Pure bookkeeping: callers pass the time in and sleep for the delay it returns, so tests drive it
/// with numbers instead of clocks.
public struct RateLimiter: Sendable {
    /// Configured ceiling in requests per second; 0 means unlimited.
    public let maxRate: Double
    public private(set) var rate: Double
    private var nextSlot: Double = 0

    public init(maxRate: Double) {
        self.maxRate = maxRate
        self.rate = maxRate
    }

    /// Reserves the next send slot at or after `now` and returns how long to wait for it.
    public mutating func reserve(now: Double) -> Double {
        guard maxRate > 0 else { return 0 }
        let slot = max(now, nextSlot)
        nextSlot = slot + 1 / rate
        return slot - now
    }

    /// A 429: halve the rate (multiplicative decrease).
    public mutating func throttled() {
        guard maxRate > 0 else { return }
        rate = max(1, rate / 2)
    }

    /// A success: regain slowly (additive increase of 1% of the ceiling per success, so a full
    /// recovery from one halving takes about fifty successful requests' worth of time at the ceiling).
    public mutating func succeeded() {
        guard maxRate > 0, rate < maxRate else { return }
        rate = min(maxRate, rate + maxRate * 0.01)
    }
}
