import ServiceLifecycle

/// Work the daemon does now and then: the retention sweep, the alert watcher and sender, the reference-data
/// refresh. Each tick says how long to wait before the next, so a refresh that failed can come back sooner.
public protocol PeriodicWork: Sendable {
    /// How long to wait before the first tick (at once, unless the work knows better).
    func firstDelay() -> Duration
    /// One tick; returns the wait before the next, or nil when there is nothing more to do.
    func tick() async -> Duration?
    /// Once, when the service stops (a graceful stop or a cancellation).
    func stopped() async
}

extension PeriodicWork {
    public func firstDelay() -> Duration { .zero }
    public func stopped() async {}
}

/// The daemon's one timer-driven service type (swift-otel's periodic exporting reader is the model): ticks
/// its work on the injected clock until a graceful stop, which cuts the wait and a tick under way short. With a `TestClock` each
/// of these is one loop that sleeps on it, which is how the daemon counts them for the test harness.
public struct PeriodicService<C: Clock, Work: PeriodicWork>: Service where C.Duration == Duration {
    public let work: Work
    let clock: C

    public init(_ work: Work, clock: C) {
        self.work = work
        self.clock = clock
    }

    public func run() async throws {
        var delay = work.firstDelay()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if delay > .zero {
                let wait = delay
                do {
                    try await cancelWhenGracefulShutdown { try await clock.sleep(for: wait) }
                } catch {
                    break
                }
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
            }
            // A stop cuts a tick short too: a reference-data refresh against an unreachable service would
            // otherwise hold the stop for up to `api.timeout_seconds` (60 s by default, past systemd's 30).
            guard let next = await cancelWhenGracefulShutdown({ await work.tick() }) else { break }
            delay = next
        }
        await work.stopped()
    }
}
