import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers stored movements to the Receipt API and records what the service said.
///
/// Woken by new work (`WakeSignal`) and by its own timer for the next due retry; idle means no wake-ups.
/// Every decision (what to do next, what an answer means, the circuit, the probes, the pause, pacing) is
/// `SenderState`'s; this actor performs what it says: claims and records through the store, sends through
/// its transport (`ReceiptSending`), sleeps and starts requests through its world (`SenderWorld`), writes
/// result files and logs. The model test runs this actor itself, with a model of the service as transport
/// and simulated time as world.
///
/// Two kinds of time: pacing, pauses, the circuit and the probes run on the injected clock (monotonic in
/// the daemon), so a wall-clock step changes none of them; what is stored and shown to people
/// (`nextAttemptAt`, timestamps) is wall time. A stored retry time further ahead than any backoff could
/// set means the wall clock stepped back, and it is made due again.
public actor DeliveryWorker<C: Clock, Transport: ReceiptSending>: Service where C.Duration == Duration {
    let store: MovementStore
    let transport: Transport
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
    /// A uniform draw in 0...1 for the backoff's jitter (seeded in the model test, so a history replays).
    let jitter: @Sendable () -> Double
    let metrics: RelayMetrics?
    private let shutdown = StopFlag()

    var state: SenderState
    var tokenRefreshesSeen = 0
    var unrecorded: [UnrecordedOutcome] = []
    /// Holds whose cause cleared while the store could not write the release: released on a later turn.
    var releasesOwed: [Release] = []

    public init(
        store: MovementStore, transport: Transport, config: RelayConfig, clock: C, wake: WakeSignal,
        results: ResultWriter, progress: LoopProgress, logger: Logger, metrics: RelayMetrics? = nil,
        wallClock: WallClock = .system, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.elapsed = ElapsedSeconds(clock)
        self.wallClock = wallClock
        self.jitter = jitter
        self.metrics = metrics
        self.store = store
        self.transport = transport
        self.config = config
        self.clock = clock
        self.wake = wake
        self.results = results
        self.progress = progress
        self.logger = logger
        self.state = SenderState(settings: SenderState.Settings(config: config))
    }

    public func run() async throws {
        try start()
        let (launches, launcher) = AsyncStream.makeStream(of: LiveSenderWorld<C>.Launch.self)
        let world = LiveSenderWorld(clock: clock, wake: wake, shutdown: shutdown, launches: launcher)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    // A stop cuts the first token request short: against an endpoint that does not answer it
                    // would hold the stop until its timeout (60 s by default, past systemd's 30).
                    await cancelWhenGracefulShutdown { await self.fetchTokenAtStart() }
                    await self.loop(in: world)
                    launcher.finish()
                }
                for await launch in launches {
                    group.addTask { await self.deliver(launch.delivery, paymentProbe: launch.paymentProbe) }
                }
                // The loop gave requests in flight a few seconds; the rest are abandoned (in doubt).
                group.cancelAll()
            }
        } onGracefulShutdown: { [shutdown, wake] in
            shutdown.set()
            wake.signal()
        }
        flushUnrecordedBeforeStopping()
        results.flush()
    }

    /// What a start finds in the store: movements a stop left in flight, holds to probe, result files owed.
    func start() throws {
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
    }

    private var stopping: Bool { shutdown.isSet }

    /// The longest the loop sleeps, so that it ticks its progress clock (the systemd watchdog reads it)
    /// and re-reads the queue even if a wake-up were ever missed: two wake-ups a minute when idle.
    static var maximumWait: Double { 30 }

    /// Sleeps until a wake-up or until `deadline` (monotonic seconds), at most `maximumWait`.
    private func sleep(until deadline: Double?, in world: some SenderWorld) async {
        guard let deadline else {
            // Requests in flight wake the loop when they end, within their timeout, so no timer is needed
            // (at full speed this wait happens on every turn) as long as that timeout is short enough for
            // the watchdog, which wants a tick every 100 s.
            if state.inFlight > 0 && config.timeoutSeconds <= 2 * Self.maximumWait {
                return await world.sleep(for: nil)
            }
            return await sleep(until: elapsed() + Self.maximumWait, in: world)
        }
        await world.sleep(for: min(Self.maximumWait, max(0, deadline - elapsed())))
    }

    private func loop(in world: some SenderWorld) async {
        while !stopping && !Task.isCancelled { await turn(in: world) }
        // Graceful shutdown: give in-flight requests a few seconds, then abandon them (in doubt).
        let deadline = elapsed() + 5
        while state.inFlight > 0 && elapsed() < deadline { await sleep(until: deadline, in: world) }
        if state.inFlight > 0 {
            logger.warning("abandoning in-flight requests at shutdown", metadata: ["requests": "\(state.inFlight)"])
        }
    }

    /// One turn of the loop: record what was answered, then do what `SenderState` says next (wait, probe,
    /// claim and start sending). `run()` turns it until a stop; the model test turns it on simulated time.
    func turn(in world: some SenderWorld) async {
        progress.tick()
        let now = wallClock()
        let tick = elapsed()
        results.flushIfDue(now: now)
        releaseOwed()
        if wake.takeOperatorRelease() { state.operatorReleased(at: tick) }
        // Outcomes are recorded before any gate (auth, payment, circuit) acts on them; when no gate is shut
        // they go in the same transaction as the next claim instead.
        if !unrecorded.isEmpty && state.gateShut(at: tick), await !flushUnrecorded() {
            store.checkpoint()
            // The store cannot write (full disk?): do not send more until it can.
            await sleep(until: tick + 1, in: world)
            return
        }
        switch state.nextStep(at: tick) {
        case .wait(let until):
            await sleep(until: until, in: world)
        case .probeAuth:
            await cancelWhenGracefulShutdown { await self.probeAuth() }
        case .probePayment(let apiCode):
            await startPaymentProbe(apiCode, now: now, in: world)
        case .claim(let limit, let paused):
            let outcomesWaiting = !unrecorded.isEmpty
            guard let settled = await settleAndClaim(now: now, limit: limit, pausedAPICodes: paused) else {
                store.checkpoint()
                await sleep(until: tick + (outcomesWaiting ? 1 : 5), in: world)
                return
            }
            let batch = settled.claimed
            if batch.isEmpty {
                await idle(nextDue: settled.nextDue, now: now, tick: tick, in: world)
                return
            }
            for (index, delivery) in batch.enumerated() {
                let delay = state.reserveSlot(at: elapsed())
                if delay > 0 { await world.pace(for: delay) }
                if stopping {
                    returnUnsent(Array(batch[index...]))
                    break
                }
                state.sending()
                await world.start(delivery, paymentProbe: nil)
            }
        }
    }

    /// Nothing claimable now: sleep until the next due retry (`nextDue`, read when nothing was claimed) or
    /// probe, or until a request ends.
    private func idle(nextDue: Double?, now: Double, tick: Double, in world: some SenderWorld) async {
        switch state.idleWake(nextDue: nextDue, wall: now, tick: tick, maximumWait: Self.maximumWait) {
        case .whenARequestEnds:
            await sleep(until: nil, in: world)
        case .at(let wakeAt):
            await sleep(until: wakeAt, in: world)
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

    private func startPaymentProbe(_ apiCode: String, now: Double, in world: some SenderWorld) async {
        let delivery: Delivery
        do {
            guard let held = try store.oldestHeld(reason: .payment, apiCode: apiCode),
                let claimed = try store.claimHeld(held.id!, now: now)
            else {
                state.paymentProbeFoundNothing(apiCode)
                return
            }
            delivery = claimed
        } catch {
            logger.error(
                "cannot claim a held movement to probe the service charge; trying again",
                metadata: ["apiCode": "\(apiCode)", "error": "\(error)"])
            state.paymentProbeNotStarted(apiCode, retryAt: elapsed() + 1)
            return
        }
        logger.info("probing whether the service charge is paid", metadata: ["apiCode": "\(apiCode)"])
        state.paymentProbeSending()
        await world.start(delivery, paymentProbe: apiCode)
    }

    /// A token at start, before any load arrives: refused credentials show in `status` (CRITICAL) at once,
    /// not with the first movement of the day. An unreachable token endpoint does not stop the queue here:
    /// each delivery then records the transport error (TLS, DNS...) where the operator sees it.
    func fetchTokenAtStart() async {
        do {
            _ = try await transport.tokens.token()
            await tokenRefreshed()
        } catch {
            if case .refused = error { apply(state.credentialsRefused(error.description, at: elapsed())) }
        }
    }

    private func probeAuth() async {
        do {
            _ = try await transport.tokens.token()
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
