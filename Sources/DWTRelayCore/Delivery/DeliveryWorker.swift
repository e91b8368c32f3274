import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers stored movements to the Receipt API and records what the service said.
///
/// Woken by new work (`WakeSignal`) and by its own timer for the next due retry; idle means no wake-ups.
/// Every decision (what to do next, what an answer means, the circuit, the probes, the pause, pacing) is
/// `SenderState`'s; this actor performs what it says: claims and records through the store, sends through
/// the client, sleeps on the injected clock, writes result files and logs.
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
    /// Monotonic seconds on `clock` since the worker was made, for every pacing and waiting decision.
    let elapsed: ElapsedSeconds
    /// Wall time, for what is stored and shown.
    let wallClock: WallClock
    let metrics: RelayMetrics?
    private let shutdown = StopFlag()

    var state: SenderState
    var tokenRefreshesSeen = 0
    var unrecorded: [UnrecordedOutcome] = []

    public init(
        store: MovementStore, client: ReceiptClient, config: RelayConfig, clock: C, wake: WakeSignal,
        results: ResultWriter, progress: LoopProgress, logger: Logger, metrics: RelayMetrics? = nil,
        wallClock: WallClock = .system
    ) {
        self.elapsed = ElapsedSeconds(clock)
        self.wallClock = wallClock
        self.metrics = metrics
        self.store = store
        self.client = client
        self.config = config
        self.clock = clock
        self.wake = wake
        self.results = results
        self.progress = progress
        self.logger = logger
        self.state = SenderState(settings: SenderState.Settings(config: config))
    }

    public func run() async throws {
        let now = wallClock()
        let interrupted = try store.recoverInterrupted(inDoubt: config.inDoubt, now: now)
        if interrupted > 0 {
            logger.warning(
                "movements were in flight when the daemon last stopped",
                metadata: ["movements": "\(interrupted)", "delivery.in_doubt": "\(config.inDoubt.rawValue)"])
        }
        state.started(
            paymentHeld: try store.apiCodesHeldForPayment(), authHeld: try store.anyHeld(reason: .auth), at: elapsed())
        results.writeOwed()
        publish(.circuit(open: nil))
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
            if state.inFlight > 0 && config.timeoutSeconds <= 2 * Self.maximumWait { return await wake.wait() }
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
                let now = wallClock()
                let tick = elapsed()
                results.flushIfDue(now: now)
                if wake.takeOperatorRelease() { state.operatorReleased(at: tick) }
                // Outcomes are recorded before any gate (auth, payment, circuit) acts on them; when no gate is
                // shut they go in the same transaction as the next claim instead.
                if !unrecorded.isEmpty && state.gateShut(at: tick), await !flushUnrecorded() {
                    store.checkpoint()
                    // The store cannot write (full disk?): do not send more until it can.
                    await waitUntil(tick + 1)
                    continue
                }
                switch state.nextStep(at: tick) {
                case .wait(let until):
                    await waitUntil(until)
                case .probeAuth:
                    await probeAuth()
                case .probePayment(let apiCode):
                    startPaymentProbe(apiCode, now: now, group: &group)
                case .claim(let limit, let paused):
                    let outcomesWaiting = !unrecorded.isEmpty
                    guard let settled = await settleAndClaim(now: now, limit: limit, pausedAPICodes: paused) else {
                        store.checkpoint()
                        await waitUntil(tick + (outcomesWaiting ? 1 : 5))
                        continue
                    }
                    let batch = settled.claimed
                    if batch.isEmpty {
                        await idle(nextDue: settled.nextDue, now: now, tick: tick)
                        continue
                    }
                    for (index, delivery) in batch.enumerated() {
                        let delay = state.reserveSlot(at: elapsed())
                        if delay > 0 { await pace(delay) }
                        if stopping {
                            returnUnsent(Array(batch[index...]))
                            break
                        }
                        state.sending()
                        group.addTask { await self.deliver(delivery) }
                    }
                }
            }
            // Graceful shutdown: give in-flight requests a few seconds, then abandon them (in doubt).
            let deadline = elapsed() + 5
            while state.inFlight > 0 && elapsed() < deadline { await waitUntil(deadline) }
            if state.inFlight > 0 {
                logger.warning("abandoning in-flight requests at shutdown", metadata: ["requests": "\(state.inFlight)"])
            }
            group.cancelAll()
        }
        flushUnrecordedBeforeStopping()
        results.flush()
    }

    /// Nothing claimable now: sleep until the next due retry (`nextDue`, read when nothing was claimed) or
    /// probe, or until a request ends.
    private func idle(nextDue: Double?, now: Double, tick: Double) async {
        switch state.idleWake(nextDue: nextDue, wall: now, tick: tick, maximumWait: Self.maximumWait) {
        case .whenARequestEnds:
            await waitUntil(nil)
        case .at(let wakeAt):
            await waitUntil(wakeAt)
        case .makeDue(let after):
            let moved = (try? store.makeFutureRetriesDue(after: after, now: now)) ?? 0
            logger.warning(
                "retry times lay further ahead than any backoff allows: the wall clock stepped back; made them due",
                metadata: ["movements": "\(moved)"])
        }
    }

    /// Claimed movements that were not sent after all (a shutdown while pacing): back to the queue, the
    /// attempt not counted.
    private func returnUnsent(_ deliveries: [Delivery]) {
        let now = wallClock()
        for delivery in deliveries {
            unrecorded.append(
                UnrecordedOutcome(
                    delivery: delivery, outcome: .notAttempted(nextAttemptAt: now), exchange: nil, error: nil,
                    paymentProbe: nil))
        }
    }

    private func startPaymentProbe(_ apiCode: String, now: Double, group: inout DiscardingTaskGroup) {
        guard let held = try? store.oldestHeld(reason: .payment, apiCode: apiCode),
            let delivery = try? store.claimHeld(held.id!, now: now)
        else {
            state.paymentProbeFoundNothing(apiCode)
            return
        }
        logger.info("probing whether the service charge is paid", metadata: ["apiCode": "\(apiCode)"])
        state.paymentProbeSending()
        group.addTask { await self.deliver(delivery, paymentProbe: apiCode) }
    }

    /// A token at start, before any load arrives: refused credentials show in `status` (CRITICAL) at once,
    /// not with the first movement of the day. An unreachable token endpoint does not stop the queue here:
    /// each delivery then records the transport error (TLS, DNS...) where the operator sees it.
    private func fetchTokenAtStart() async {
        do {
            _ = try await client.tokens.token()
            await tokenRefreshed()
        } catch {
            if case .refused = error { apply(state.credentialsRefused(error.description, at: elapsed())) }
        }
    }

    private func probeAuth() async {
        do {
            _ = try await client.tokens.token()
            apply(state.authProbed(.token, at: elapsed()))
        } catch {
            switch error {
            case .refused, .notAToken: apply(state.authProbed(.refused(error.description), at: elapsed()))
            case .unavailable: apply(state.authProbed(.unavailable(error.description), at: elapsed()))
            }
            logger.warning("token endpoint still failing", metadata: ["error": "\(error)"])
        }
    }
}
