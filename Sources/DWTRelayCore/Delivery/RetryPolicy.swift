/// Capped exponential backoff with full jitter (pure: the random draw is passed in).
public struct RetryPolicy: Sendable, Equatable {
    public var initialSeconds: Double
    public var maxSeconds: Double

    public init(initialSeconds: Double, maxSeconds: Double) {
        self.initialSeconds = initialSeconds
        self.maxSeconds = max(maxSeconds, initialSeconds)
    }

    /// The ceiling for attempt `n` (1-based): initial × 2^(n-1), capped.
    public func ceiling(attempt: Int) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 60))
        return min(maxSeconds, initialSeconds * pow2(exponent))
    }

    /// Delay before the next attempt: uniform in [0, ceiling] ("full jitter"), but never sooner than the
    /// server's `Retry-After`.
    public func delay(attempt: Int, jitter: Double, retryAfter: Double? = nil) -> Double {
        let jittered = ceiling(attempt: attempt) * min(max(jitter, 0), 1)
        if let retryAfter { return max(jittered, retryAfter) }
        return jittered
    }

    private func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            result *= 2
            remaining -= 1
        }
        return result
    }
}
