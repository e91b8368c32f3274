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
    /// server's `Retry-After`, which is honoured up to `maxSeconds` (one answer of `Retry-After: 31536000`
    /// must not stop a site reporting for a year).
    public func delay(attempt: Int, jitter: Double, retryAfter: Double? = nil) -> Double {
        let jittered = ceiling(attempt: attempt) * min(max(jitter, 0), 1)
        if let honoured = honoured(retryAfter: retryAfter) { return max(jittered, honoured) }
        return jittered
    }

    /// The part of a `Retry-After` the sender honours: finite, not negative, at most `maxSeconds`.
    public func honoured(retryAfter: Double?) -> Double? {
        guard let retryAfter, retryAfter.isFinite else { return nil }
        return min(max(retryAfter, 0), maxSeconds)
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
