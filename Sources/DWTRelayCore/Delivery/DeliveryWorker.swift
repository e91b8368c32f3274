import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers stored movements to the Receipt API and records what the service said.
///
/// Woken by new work (`WakeSignal`) and by its own timer for the next due retry; idle means no wake-ups.
/// `delivery.concurrency` requests run at once under a client-side AIMD rate limit. Failures back off with
/// `RetryPolicy`; repeated transient failures open a circuit that one probe request closes again.
public actor DeliveryWorker<C: Clock>: Service where C.Duration == Duration {
    let store: MovementStore
    let client: ReceiptClient
    let config: RelayConfig
    let clock: C
    let logger: Logger
    let wake: WakeSignal
    let results: ResultWriter
    let progress: ProgressClock
    let policy: RetryPolicy
    let metrics: RelayMetrics?
    var tokenRefreshesSeen = 0
    private let shutdown = StopFlag()

    var limiter: RateLimiter
    var inFlight = 0
    var consecutiveFailures = 0
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
        results: ResultWriter, progress: ProgressClock, logger: Logger, metrics: RelayMetrics? = nil
    ) {
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

    nonisolated func wallNow() -> Double { Date().timeIntervalSince1970 }

    public func run() async throws {
        let now = wallNow()
        let interrupted = try store.recoverInterrupted(inDoubt: config.inDoubt, now: now)
        if interrupted > 0 {
            logger.warning(
                "movements were in flight when the daemon last stopped",
                metadata: ["movements": "\(interrupted)", "delivery.in_doubt": "\(config.inDoubt.rawValue)"])
        }
        for code in try store.apiCodesHeldForPayment() { paymentProbeAt[code] = now }
        results.writeOwed()
        try? store.setServiceState("circuit.state", "closed")
        await withGracefulShutdownHandler {
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

    private func waitUntil(_ wallTime: Double?) async {
        guard let wallTime else {
            // Requests in flight wake the loop when they end, within their timeout, so no timer is needed
            // (at full speed this wait happens on every turn) as long as that timeout is short enough for
            // the watchdog, which wants a tick every 100 s.
            if inFlight > 0 && config.timeoutSeconds <= 2 * Self.maximumWait { return await wake.wait() }
            return await waitUntil(wallNow() + Self.maximumWait)
        }
        let delay = min(Self.maximumWait, max(0, wallTime - wallNow()))
        await wake.wait(until: clock.now.advanced(by: .milliseconds(Int64(delay * 1000) + 1)), clock: clock)
    }

    private func loop() async {
        await withDiscardingTaskGroup { group in
            while !stopping && !Task.isCancelled {
                progress.tick()
                let now = wallNow()
                results.flushIfDue(now: now)
                // Outcomes are recorded before any gate below (auth, payment, circuit) acts on them; when no
                // gate is shut they go in the same transaction as the next claim instead.
                if !unrecorded.isEmpty && gateShut(now: now) && !flushUnrecorded() {
                    store.checkpoint()
                    // The store cannot write (full disk?): do not send more until it can.
                    await waitUntil(now + 1)
                    continue
                }
                if let probeAt = authProbeAt {
                    if now < probeAt {
                        await waitUntil(probeAt)
                        continue
                    }
                    await probeAuth()
                    continue
                }
                startPaymentProbes(now: now, group: &group)
                if let until = globalPauseUntil, now < until {
                    await waitUntil(until)
                    continue
                }
                var capacity = config.concurrency - inFlight
                if let until = circuitOpenUntil {
                    if now < until {
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
                    await waitUntil(now + (outcomesWaiting ? 1 : 5))
                    continue
                }
                if batch.isEmpty {
                    var next = (try? store.nextDueTime()) ?? nil
                    for time in paymentProbeAt.values { next = min(next ?? time, time) }
                    if inFlight > 0 { next = nil }  // a completion will wake us
                    await waitUntil(next)
                    continue
                }
                for delivery in batch {
                    let delay = limiter.reserve(now: wallNow())
                    if delay > 0 { try? await clock.sleep(for: .milliseconds(Int64(delay * 1000))) }
                    inFlight += 1
                    group.addTask { await self.deliver(delivery) }
                }
            }
            // Graceful shutdown: give in-flight requests a few seconds, then abandon them (in doubt).
            let deadline = wallNow() + 5
            while inFlight > 0 && wallNow() < deadline { await waitUntil(deadline) }
            if inFlight > 0 {
                logger.warning("abandoning in-flight requests at shutdown", metadata: ["requests": "\(inFlight)"])
            }
            group.cancelAll()
        }
        _ = flushUnrecorded()
        results.flush()
    }

    /// Whether anything stops the loop from claiming right now (then outcomes are recorded on their own).
    private func gateShut(now: Double) -> Bool {
        authProbeAt != nil || !paymentProbeAt.isEmpty || circuitOpenUntil != nil || inFlight >= config.concurrency
            || (globalPauseUntil.map { now < $0 } ?? false)
    }

    private func startPaymentProbes(now: Double, group: inout DiscardingTaskGroup) {
        for (code, at) in paymentProbeAt where at <= now && !paymentProbeInFlight.contains(code) {
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
                authProbeAt = wallNow() + config.authProbeSeconds
            } else {
                authProbeAt = wallNow() + min(config.authProbeSeconds, policy.ceiling(attempt: 3))
            }
            logger.warning("token endpoint still failing", metadata: ["error": "\(error)"])
        }
    }
}
