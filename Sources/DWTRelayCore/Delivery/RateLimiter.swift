/// Client-side request pacing with AIMD: the rate halves on a 429 and climbs back slowly on success.
///
/// Pure bookkeeping: callers pass the time in (seconds on a monotonic clock, so a wall-clock step changes
/// nothing) and sleep for the delay it returns, so tests drive it with numbers instead of clocks.
///
/// `maxRate` 0 means no client-side limit, but the service's word still counts: after a 429 the limiter
/// paces from half the service's documented soft limit and lifts the limit again once the rate has climbed
/// back to it.
public struct RateLimiter: Sendable {
    /// The service's documented soft limit (requests per second); above it, it answers 429.
    public static let serviceSoftLimit: Double = 200

    /// Configured ceiling in requests per second; 0 means unlimited until the service throttles.
    public let maxRate: Double
    public private(set) var rate: Double
    /// Whether requests are paced at all (always with a ceiling; after a 429 without one).
    public private(set) var isPacing: Bool
    private var nextSlot: Double = 0

    public init(maxRate: Double) {
        self.maxRate = maxRate
        self.rate = maxRate > 0 ? maxRate : Self.serviceSoftLimit
        self.isPacing = maxRate > 0
    }

    private var ceiling: Double { maxRate > 0 ? maxRate : Self.serviceSoftLimit }

    /// Reserves the next send slot at or after `now` and returns how long to wait for it.
    public mutating func reserve(now: Double) -> Double {
        guard isPacing else { return 0 }
        let slot = max(now, nextSlot)
        nextSlot = slot + 1 / rate
        return slot - now
    }

    /// A 429: halve the rate (multiplicative decrease), pacing from now on.
    public mutating func throttled() {
        isPacing = true
        rate = max(1, rate / 2)
    }

    /// A success: regain slowly (additive increase of 1% of the ceiling per success, so a full
    /// recovery from one halving takes about fifty successful requests' worth of time at the ceiling).
    public mutating func succeeded() {
        guard isPacing, rate < ceiling else {
            if maxRate <= 0 { isPacing = false }
            return
        }
        rate = min(ceiling, rate + ceiling * 0.01)
        if maxRate <= 0 && rate >= ceiling { isPacing = false }
    }
}
