import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers stored movements to the Receipt API and records what the service said.
///
/// Woken by new work (`WakeSignal`) and by its own timer for the next due retry; idle means no wake-ups.
/// `delivery.concurrency` requests run at once under a client-side AIMD rate limit. Failures back off with
/// `RetryPolicy`; repeated transient failures open a circuit that one probe request closes again.
///
/// Two kinds of time: pacing, pauses, the circuit and the probes run on the injected clock (monotonic in
/// the daemon), so a wall-clock step changes none of them; what is stored and shown to people
/// (`nextAttemptAt`, timestamps) is wall time. A stored retry time further ahead than any backoff could
/// set means the wall clock stepped back, and it is made due again.
public actor DeliveryWorker<C: Clock>: Service where C.Duration == Duration {
    let store: MovementStore
    let client: ReceiptClient
    let config: RelayConfig
    let clock: C
    let logger: Logger
    let wake: WakeSignal
    let results: ResultWriter
    let progress: LoopProgress
    /// The clock's reading at start: `elapsed()` counts monotonic seconds from here.
    let epoch: C.Instant
    let policy: RetryPolicy
    let metrics: RelayMetrics?
    var tokenRefreshesSeen = 0
    private let shutdown = StopFlag()

    var limiter: RateLimiter
    var inFlight = 0
    var consecutiveFailures = 0
    // The circuit, probe and pause times are monotonic seconds (`elapsed()`), never wall time.
    var circuitOpenUntil: Double?
    var circuitOpenings = 0
    var authProbeAt: Double?
    var globalPauseUntil: Double?
    var paymentProbeAt: [String: Double] = [:]
    var paymentProbeInFlight = Set<String>()
    var unrecorded: [UnrecordedOutcome] = []
    /// Exposed to metrics and tests.
    public internal(set) var deliveredCount = 0
    public internal(set) var retryCount = 0

    public init(
        store: MovementStore, client: ReceiptClient, config: RelayConfig, clock: C, wake: WakeSignal,
        results: ResultWriter, progress: LoopProgress, logger: Logger, metrics: RelayMetrics? = nil
    ) {
        self.epoch = clock.now
        self.metrics = metrics
        self.store = store
        self.client = client
        self.config = config
        self.clock = clock
        self.wake = wake
        self.results = results
        self.progress = progress
        self.logger = logger
        self.policy = RetryPolicy(initialSeconds: config.backoffInitialSeconds, maxSeconds: config.backoffMaxSeconds)
        self.limiter = RateLimiter(maxRate: config.maxRequestsPerSecond)
    }

    /// Wall time, for what is stored and shown.
    nonisolated func wallNow() -> Double { Date().timeIntervalSince1970 }

    /// Monotonic seconds since the worker started, for every pacing and waiting decision.
    nonisolated func elapsed() -> Double {
        let duration = epoch.duration(to: clock.now)
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    public func run() async throws {
        let now = wallNow()
        let interrupted = try store.recoverInterrupted(inDoubt: config.inDoubt, now: now)
        if interrupted > 0 {
            logger.warning(
                "movements were in flight when the daemon last stopped",
                metadata: ["movements": "\(interrupted)", "delivery.in_doubt": "\(config.inDoubt.rawValue)"])
        }
        for code in try store.apiCodesHeldForPayment() { paymentProbeAt[code] = elapsed() }
        results.writeOwed()
        try? store.setServiceState("circuit.state", "closed")
        await withGracefulShutdownHandler {
            await self.fetchTokenAtStart()
            await self.loop()
        } onGracefulShutdown: { [shutdown, wake] in
            shutdown.set()
            wake.signal()
        }
    }

    private var stopping: Bool { shutdown.isSet }

    /// The longest the loop sleeps, so that it ticks its progress clock (the systemd watchdog reads it)
    /// and re-reads the queue even if a wake-up were ever missed: two wake-ups a minute when idle.
    static var maximumWait: Double { 30 }

    /// Waits for a wake-up or until `deadline` (monotonic seconds), at most `maximumWait`.
    private func waitUntil(_ deadline: Double?) async {
        guard let deadline else {
            // Requests in flight wake the loop when they end, within their timeout, so no timer is needed
            // (at full speed this wait happens on every turn) as long as that timeout is short enough for
            // the watchdog, which wants a tick every 100 s.
            if inFlight > 0 && config.timeoutSeconds <= 2 * Self.maximumWait { return await wake.wait() }
            return await waitUntil(elapsed() + Self.maximumWait)
        }
        let delay = min(Self.maximumWait, max(0, deadline - elapsed()))
        await wake.wait(until: clock.now.advanced(by: .milliseconds(Int64(delay * 1000) + 1)), clock: clock)
    }

    /// Waits out a rate-limiter delay; other wake-ups do not cut it short, a shutdown does.
    private func pace(_ delay: Double) async {
        let deadline = clock.now.advanced(by: .milliseconds(Int64(delay * 1000)))
        while !stopping && clock.now < deadline { await wake.wait(until: deadline, clock: clock) }
    }

    private func loop() async {
        await withDiscardingTaskGroup { group in
            while !stopping && !Task.isCancelled {
                progress.tick()
                let now = wallNow()
                let tick = elapsed()
                results.flushIfDue(now: now)
                // Outcomes are recorded before any gate below (auth, payment, circuit) acts on them; when no
                // gate is shut they go in the same transaction as the next claim instead.
                if !unrecorded.isEmpty && gateShut(at: tick) && !flushUnrecorded() {
                    store.checkpoint()
                    // The store cannot write (full disk?): do not send more until it can.
                    await waitUntil(tick + 1)
                    continue
                }
                if let probeAt = authProbeAt {
                    if tick < probeAt {
                        await waitUntil(probeAt)
                        continue
                    }
                    await probeAuth()
                    continue
                }
                startPaymentProbes(at: tick, now: now, group: &group)
                if let until = globalPauseUntil, tick < until {
                    await waitUntil(until)
                    continue
                }
                var capacity = config.concurrency - inFlight
                if let until = circuitOpenUntil {
                    if tick < until {
                        await waitUntil(until)
                        continue
                    }
                    // Half-open: exactly one probe, and only once nothing else is in flight.
                    capacity = inFlight == 0 ? min(capacity, 1) : 0
                }
                if capacity <= 0 {
                    await waitUntil(nil)
                    continue
                }
                let outcomesWaiting = !unrecorded.isEmpty
                guard let batch = settleAndClaim(now: now, limit: capacity) else {
                    store.checkpoint()
                    await waitUntil(tick + (outcomesWaiting ? 1 : 5))
                    continue
                }
                if batch.isEmpty {
                    await waitUntil(nextWake(now: now, tick: tick))
                    continue
                }
                for (index, delivery) in batch.enumerated() {
                    let delay = limiter.reserve(now: elapsed())
                    if delay > 0 { await pace(delay) }
                    if stopping {
                        returnUnsent(Array(batch[index...]))
                        break
                    }
                    inFlight += 1
                    group.addTask { await self.deliver(delivery) }
                }
            }
            // Graceful shutdown: give in-flight requests a few seconds, then abandon them (in doubt).
            let deadline = elapsed() + 5
            while inFlight > 0 && elapsed() < deadline { await waitUntil(deadline) }
            if inFlight > 0 {
                logger.warning("abandoning in-flight requests at shutdown", metadata: ["requests": "\(inFlight)"])
            }
            group.cancelAll()
        }
        _ = flushUnrecorded()
        results.flush()
    }

    /// When to look at the queue again with nothing due now (monotonic seconds; nil: when a request ends).
    private func nextWake(now: Double, tick: Double) -> Double? {
        if inFlight > 0 { return nil }  // a completion will wake us
        var next: Double? = nil
        if let due = (try? store.nextDueTime()) ?? nil {
            // No backoff or honoured Retry-After reaches past backoff_max_seconds: a retry stored further
            // ahead was timed before the wall clock stepped back. Due now, not in an hour.
            let latestPossible = now + policy.maxSeconds + Self.maximumWait + 1
            if due > latestPossible {
                let moved = (try? store.makeFutureRetriesDue(after: latestPossible, now: now)) ?? 0
                logger.warning(
                    "retry times lay further ahead than any backoff allows: the wall clock stepped back; made them due",
                    metadata: ["movements": "\(moved)"])
                return tick
            }
            next = tick + max(0, due - now)
        }
        for time in paymentProbeAt.values { next = min(next ?? time, time) }
        return next
    }

    /// Claimed movements that were not sent after all (a shutdown while pacing): back to the queue, the
    /// attempt not counted.
    private func returnUnsent(_ deliveries: [Delivery]) {
        let now = wallNow()
        for delivery in deliveries {
            unrecorded.append(
                UnrecordedOutcome(
                    delivery: delivery, outcome: .notAttempted(nextAttemptAt: now), exchange: nil, error: nil,
                    paymentProbe: nil))
        }
    }

    /// Whether anything stops the loop from claiming right now (then outcomes are recorded on their own).
    private func gateShut(at tick: Double) -> Bool {
        authProbeAt != nil || !paymentProbeAt.isEmpty || circuitOpenUntil != nil || inFlight >= config.concurrency
            || (globalPauseUntil.map { tick < $0 } ?? false)
    }

    private func startPaymentProbes(at tick: Double, now: Double, group: inout DiscardingTaskGroup) {
        for (code, at) in paymentProbeAt where at <= tick && !paymentProbeInFlight.contains(code) {
            guard let held = try? store.oldestHeld(reason: "payment", apiCode: code),
                let delivery = try? store.claimHeld(held.id!, now: now)
            else {
                paymentProbeAt[code] = nil
                continue
            }
            logger.info("probing whether the service charge is paid", metadata: ["apiCode": "\(code)"])
            paymentProbeInFlight.insert(code)
            inFlight += 1
            group.addTask { await self.deliver(delivery, paymentProbe: code) }
        }
    }

    /// A token at start, before any load arrives: refused credentials show in `status` (CRITICAL) at once,
    /// not with the first movement of the day. An unreachable token endpoint does not stop the queue here:
    /// each delivery then records the transport error (TLS, DNS...) where the operator sees it.
    private func fetchTokenAtStart() async {
        do {
            _ = try await client.tokens.token()
            await tokenRefreshed()
        } catch {
            if case .refused = error { authRefused(error.description) }
        }
    }

    private func probeAuth() async {
        do {
            _ = try await client.tokens.token()
            authProbeAt = nil
            try? store.setServiceState("auth.state", "ok")
            try? store.setServiceState("auth.detail", nil)
            let released = (try? store.release(reason: "auth", now: wallNow())) ?? []
            logger.notice("token endpoint accepts the credentials again", metadata: ["released": "\(released.count)"])
        } catch {
            if case .refused = error {
                authProbeAt = elapsed() + config.authProbeSeconds
            } else {
                authProbeAt = elapsed() + min(config.authProbeSeconds, policy.ceiling(attempt: 3))
            }
            logger.warning("token endpoint still failing", metadata: ["error": "\(error)"])
        }
    }
}
