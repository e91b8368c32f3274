/// Every decision the sender makes, as a value: what to do next, and what an answer means.
///
/// In the manner of async-http-client's `Transaction.StateMachine`: events (`nextStep`, `sending`,
/// `answered`, `recorded`, `authProbed`...) change the state and return what to do; `DeliveryWorker` only
/// performs it (HTTP, SQLite, sleeping, logging). It owns the circuit, the auth and payment probes, the
/// pause after a 429, the AIMD limiter and the in-flight count. The revision order is the store's claim
/// (a revision is never claimed before the movement it revises is final).
///
/// Two kinds of time come in with each event: `tick`, monotonic seconds since the sender started, which
/// every wait and pace is decided on (a wall-clock step changes none of them), and `wall`, which only goes
/// into what is stored and shown. Randomness (backoff jitter) is passed in too, so a test replays a history
/// exactly from its seed.
public struct SenderState: Sendable {
    public struct Settings: Sendable {
        public var concurrency: Int
        public var circuitFailures: Int
        public var authProbeSeconds: Double
        public var paymentProbeSeconds: Double
        public var inDoubt: RelayConfig.InDoubtPolicy
        public var policy: RetryPolicy
        public var maxRequestsPerSecond: Double

        public init(config: RelayConfig) {
            concurrency = config.concurrency
            circuitFailures = config.circuitFailures
            authProbeSeconds = config.authProbeSeconds
            paymentProbeSeconds = config.paymentProbeSeconds
            inDoubt = config.inDoubt
            policy = RetryPolicy(initialSeconds: config.backoffInitialSeconds, maxSeconds: config.backoffMaxSeconds)
            maxRequestsPerSecond = config.maxRequestsPerSecond
        }
    }

    /// What the worker does next.
    public enum Step: Sendable, Equatable {
        /// Ask the token endpoint whether the credentials work again.
        case probeAuth
        /// Send the oldest movement held for `apiCode`'s unpaid charge, as a probe.
        case probePayment(apiCode: String)
        /// Record waiting outcomes and claim up to `limit` due movements, leaving paused apiCodes queued.
        case claim(limit: Int, pausedAPICodes: Set<String>)
        /// Sleep until `tick` (nil: until a request ends), or a wake-up.
        case wait(until: Double?)
    }

    /// A change the outside world must hear of: stored as a status fact, logged, or acted on in the store.
    public enum Action: Sendable, Equatable {
        /// The token endpoint refused the credentials; `first` when sending just stopped because of it.
        case credentialsRefused(detail: String, first: Bool)
        /// A token again after refusals: release the movements held for `auth`.
        case credentialsAccepted
        /// Repeated transient failures: nothing is sent until a probe after `untilWall`.
        case circuitOpened(untilWall: Double)
        case circuitClosed
        /// 402 for `apiCode`: its movements are held; `first` when the hold just began.
        case paymentRequired(apiCode: String, first: Bool)
        /// A probe for `apiCode` was not answered 402: release the movements held for `payment`.
        case paymentCleared(apiCode: String)
    }

    /// What an answer means for the movement: the outcome to record, the error to show, and the actions.
    public struct Decision: Sendable, Equatable {
        public var outcome: DeliveryOutcome
        public var error: String?
        public var actions: [Action] = []
    }

    let settings: Settings
    public private(set) var inFlight = 0
    private var circuit = Circuit()
    /// When to probe the token endpoint again; nil while the credentials are not known to be refused.
    private var authProbeAt: Double?
    /// Per apiCode held for payment: when to probe next, and whether a probe is in flight.
    private var paymentProbes: [String: PaymentProbe] = [:]
    /// After a 429 with `Retry-After`: nothing is sent before this tick.
    private var pauseUntil: Double?
    private var limiter: RateLimiter

    private struct Circuit: Sendable {
        var consecutiveFailures = 0
        var openUntil: Double?
        var openings = 0
    }

    private struct PaymentProbe: Sendable {
        var at: Double
        var inFlight = false
    }

    public init(settings: Settings) {
        self.settings = settings
        self.limiter = RateLimiter(maxRate: settings.maxRequestsPerSecond)
    }

    public var policy: RetryPolicy { settings.policy }
    public var isPacing: Bool { limiter.isPacing }

    // MARK: what to do next

    /// The next step at `tick`. A `probePayment` step marks that probe in flight.
    public mutating func nextStep(at tick: Double) -> Step {
        if let at = authProbeAt { return tick < at ? .wait(until: at) : .probeAuth }
        if let code = paymentProbes.keys.sorted().first(where: {
            let probe = paymentProbes[$0]!
            return !probe.inFlight && probe.at <= tick
        }) {
            paymentProbes[code]?.inFlight = true
            return .probePayment(apiCode: code)
        }
        if let until = pauseUntil, tick < until { return .wait(until: until) }
        var capacity = settings.concurrency - inFlight
        if let until = circuit.openUntil {
            if tick < until { return .wait(until: until) }
            // Half-open: exactly one probe, and only once nothing else is in flight.
            capacity = inFlight == 0 ? min(capacity, 1) : 0
        }
        if capacity <= 0 { return .wait(until: nil) }
        return .claim(limit: capacity, pausedAPICodes: pausedAPICodes)
    }

    /// Whether anything stops the worker from claiming right now (then outcomes are recorded on their own).
    public func gateShut(at tick: Double) -> Bool {
        authProbeAt != nil || !paymentProbes.isEmpty || circuit.openUntil != nil || inFlight >= settings.concurrency
            || (pauseUntil.map { tick < $0 } ?? false)
    }

    /// When to look at the queue again with nothing claimable now.
    public enum IdleWake: Sendable, Equatable {
        /// When a request ends (its completion wakes the worker).
        case whenARequestEnds
        case at(Double)
        /// Stored retry times lie further ahead than any backoff could set: the wall clock stepped back.
        /// Make the ones after `wall` due now.
        case makeDue(after: Double)
    }

    /// apiCodes whose movements wait for a payment probe: not claimed, and not counted as due.
    public var pausedAPICodes: Set<String> { Set(paymentProbes.keys) }

    /// `nextDue` is the earliest stored `nextAttemptAt` (wall time) outside `pausedAPICodes`, nil when
    /// nothing waits.
    public func idleWake(nextDue: Double?, wall: Double, tick: Double, maximumWait: Double) -> IdleWake {
        if inFlight > 0 { return .whenARequestEnds }
        var next: Double? = nil
        if let due = nextDue {
            // No backoff or honoured Retry-After reaches past backoff_max_seconds.
            let latestPossible = wall + settings.policy.maxSeconds + maximumWait + 1
            if due > latestPossible { return .makeDue(after: latestPossible) }
            next = tick + max(0, due - wall)
        }
        for probe in paymentProbes.values { next = min(next ?? probe.at, probe.at) }
        return next.map { .at($0) } ?? .at(tick + maximumWait)
    }

    // MARK: sending

    /// Reserves the next send slot and returns how long to wait for it (client-side rate limit).
    public mutating func reserveSlot(at tick: Double) -> Double { limiter.reserve(now: tick) }

    /// A request starts.
    public mutating func sending() { inFlight += 1 }

    /// An operator released held movements: every waiting payment probe and the auth probe are due now (the
    /// operator says the cause is fixed; a probe that is still refused re-arms its interval).
    public mutating func operatorReleased(at tick: Double) {
        for code in paymentProbes.keys where paymentProbes[code]?.inFlight == false {
            paymentProbes[code]?.at = tick
        }
        if authProbeAt != nil { authProbeAt = tick }
    }

    /// A payment probe found nothing held for its apiCode any more: the hold is over.
    public mutating func paymentProbeFoundNothing(_ apiCode: String) { paymentProbes[apiCode] = nil }

    /// A payment probe could not claim its movement (the store failed): the hold stands, and the probe is
    /// tried again at `tick` (dropping it would leave the held movements waiting for a restart).
    public mutating func paymentProbeNotStarted(_ apiCode: String, retryAt tick: Double) {
        paymentProbes[apiCode] = PaymentProbe(at: tick)
    }

    /// A payment probe's movement starts.
    public mutating func paymentProbeSending() { inFlight += 1 }

    // MARK: start-up and probes

    /// What the store holds when the sender starts: apiCodes held for payment are probed at once, and so are
    /// the credentials when movements are held for `auth` (a new process knows nothing of the refusal that
    /// held them; without the probe nothing would ever release them).
    public mutating func started(paymentHeld apiCodes: [String], authHeld: Bool, at tick: Double) {
        for code in apiCodes { paymentProbes[code] = PaymentProbe(at: tick) }
        if authHeld { authProbeAt = tick }
    }

    /// The token endpoint refused the credentials (at start, or before a request).
    public mutating func credentialsRefused(_ detail: String, at tick: Double) -> [Action] {
        let first = authProbeAt == nil
        authProbeAt = tick + settings.authProbeSeconds
        return [.credentialsRefused(detail: detail, first: first)]
    }

    /// What an auth probe found.
    public enum AuthProbeResult: Sendable {
        case token
        case refused(String)
        case unavailable(String)
    }

    public mutating func authProbed(_ result: AuthProbeResult, at tick: Double) -> [Action] {
        switch result {
        case .token:
            authProbeAt = nil
            return [.credentialsAccepted]
        case .refused(let detail):
            authProbeAt = tick + settings.authProbeSeconds
            return [.credentialsRefused(detail: detail, first: false)]
        case .unavailable:
            authProbeAt = tick + min(settings.authProbeSeconds, settings.policy.ceiling(attempt: 3))
            return []
        }
    }

    /// An outcome is stored; for a payment probe, whether the charge is still unpaid decides the hold.
    public mutating func recorded(
        state: MovementState, holdReason: HoldReason?, paymentProbe: String?, at tick: Double
    ) -> [Action] {
        guard let code = paymentProbe else { return [] }
        if state == .held && holdReason == .payment {
            paymentProbes[code] = PaymentProbe(at: tick + settings.paymentProbeSeconds)
            return []
        }
        paymentProbes[code] = nil
        return [.paymentCleared(apiCode: code)]
    }

    // MARK: for the answers (SenderState+Answers)

    mutating func requestEnded() { inFlight = max(0, inFlight - 1) }

    mutating func paymentRequired(_ apiCode: String?, at tick: Double) -> [Action] {
        guard let apiCode else { return [] }
        let first = paymentProbes[apiCode] == nil
        if first { paymentProbes[apiCode] = PaymentProbe(at: tick + settings.paymentProbeSeconds) }
        return [.paymentRequired(apiCode: apiCode, first: first)]
    }

    /// A transient failure: a 429 slows the sender down (AIMD, and a pause for an honoured Retry-After);
    /// anything else counts towards the circuit, which opens after `circuitFailures` in a row and reopens
    /// (longer each time) when its probe fails.
    mutating func transientFailure(retryAfter: Double?, throttled: Bool, at tick: Double, wall: Double, jitter: Double)
        -> [Action]
    {
        let honoured = settings.policy.honoured(retryAfter: retryAfter)
        if throttled {
            // Even with no client-side limit configured, a 429 slows the sender down.
            limiter.throttled()
            if let honoured { pauseUntil = max(pauseUntil ?? 0, tick + honoured) }
            return []
        }
        circuit.consecutiveFailures += 1
        guard circuit.openUntil != nil || circuit.consecutiveFailures >= settings.circuitFailures else { return [] }
        circuit.openings += 1
        let pause = max(
            settings.policy.initialSeconds,
            settings.policy.delay(attempt: circuit.openings, jitter: 0.5 + min(max(jitter, 0), 1) / 2),
            honoured ?? 0)
        circuit.openUntil = tick + pause
        return [.circuitOpened(untilWall: wall + pause)]
    }

    mutating func succeeded() -> [Action] {
        limiter.succeeded()
        circuit.consecutiveFailures = 0
        guard circuit.openUntil != nil else { return [] }
        circuit = Circuit()
        return [.circuitClosed]
    }
}
