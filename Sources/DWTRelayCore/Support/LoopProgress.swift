import Synchronization

/// When a daemon loop last made progress, on the monotonic clock: the systemd watchdog is fed only while
/// the sender's loop keeps ticking, and a wall-clock step (NTP, an admin) must neither feed nor starve it.
public final class LoopProgress: Sendable {
    private let clock = ContinuousClock()
    private let last: Mutex<ContinuousClock.Instant>

    public init() { last = Mutex(clock.now) }

    public func tick() {
        let now = clock.now
        last.withLock { $0 = now }
    }

    /// Seconds since the last tick.
    public var secondsSinceProgress: Double {
        last.withLock { $0 }.duration(to: clock.now).seconds
    }
}
