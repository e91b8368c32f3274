/// Seconds elapsed on an injected clock since a fixed instant: how a decision that needs a number (a token's
/// refresh time, a pacing slot) reads the clock. In the daemon the clock is monotonic, so a wall-clock step
/// moves none of these; in tests it is a `TestClock`.
public struct ElapsedSeconds: Sendable {
    private let read: @Sendable () -> Double

    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let epoch = clock.now
        read = { epoch.duration(to: clock.now).seconds }
    }

    public func callAsFunction() -> Double { read() }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
