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
    public private(set) var deliveredCount = 0
    public private(set) var retryCount = 0

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
        let target = min(wallTime ?? .greatestFiniteMagnitude, results.nextFlushAt ?? .greatestFiniteMagnitude)
        let delay = min(Self.maximumWait, max(0, target - wallNow()))
        await wake.wait(until: clock.now.advanced(by: .milliseconds(Int64(delay * 1000) + 1)), clock: clock)
    }

    private func loop() async {
        await withDiscardingTaskGroup { group in
            while !stopping && !Task.isCancelled {
                progress.tick()
                let now = wallNow()
                // Outcomes first: every gate below (auth, payment, circuit) acts on recorded states.
                results.flushIfDue(now: now)
                if !unrecorded.isEmpty && !flushUnrecorded() {
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
                let batch: [Delivery]
                do {
                    batch = try store.claimDue(now: now, limit: capacity, pausedAPICodes: Set(paymentProbeAt.keys))
                } catch {
                    logger.error("cannot claim movements from the queue", metadata: ["error": "\(error)"])
                    store.checkpoint()
                    await waitUntil(now + 5)
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

    // MARK: one delivery

    /// An outcome the store could not record yet (e.g. a full disk): kept and retried, never dropped.
    struct UnrecordedOutcome {
        var delivery: Delivery
        var outcome: DeliveryOutcome
        var exchange: ExchangeRecord?
        var error: String?
        var paymentProbe: String?
    }

    private func finished(
        _ delivery: Delivery, _ outcome: DeliveryOutcome, exchange: ExchangeRecord?, error: String?,
        paymentProbe: String?
    ) {
        inFlight -= 1
        // Recorded by the loop, together with every other outcome that arrived meanwhile: one transaction
        // (one fsync) for many answers.
        unrecorded.append(
            UnrecordedOutcome(
                delivery: delivery, outcome: outcome, exchange: exchange, error: error, paymentProbe: paymentProbe))
        wake.signal()
    }

    /// Records every waiting outcome in one transaction; true when none are left (false: the store failed,
    /// e.g. a full disk, and they are kept for the next try).
    func flushUnrecorded() -> Bool {
        guard !unrecorded.isEmpty else { return true }
        let waiting = unrecorded
        let now = wallNow()
        let movements: [Movement]
        do {
            movements = try store.finishAll(
                waiting.map {
                    (id: $0.delivery.id, outcome: $0.outcome, exchange: $0.exchange, lastError: $0.error)
                }, now: now)
        } catch {
            logger.critical(
                "cannot record delivery outcomes; keeping them and retrying (an in-doubt resend after a restart)",
                metadata: ["movements": "\(waiting.count)", "error": "\(error)"])
            return false
        }
        unrecorded = []
        for (entry, movement) in zip(waiting, movements) { recorded(entry, movement, now: now) }
        return true
    }

    private func recorded(_ entry: UnrecordedOutcome, _ movement: Movement, now: Double) {
        let delivery = entry.delivery, exchange = entry.exchange, error = entry.error
        let paymentProbe = entry.paymentProbe
        if let paymentProbe { paymentProbeInFlight.remove(paymentProbe) }
        if let exchange { metrics?.recordDelivery(status: exchange.status, durationMs: exchange.durationMs) }
        var metadata: Logger.Metadata = [
            "movement.id": "\(delivery.id)", "movement.state": "\(movement.state.rawValue)",
            "http.status": "\(exchange?.status.map(String.init) ?? "-")",
        ]
        if let id = movement.wasteTrackingId { metadata["movement.waste_tracking_id"] = "\(id)" }
        if let error { metadata["error"] = "\(error)" }
        switch movement.state {
        case .accepted, .rejected:
            deliveredCount += 1
            results.write(movement)
            logger.info("movement \(movement.state.rawValue)", metadata: metadata)
        case .held:
            logger.warning("movement held", metadata: metadata)
        default:
            retryCount += 1
            metrics?.recordRetry()
            logger.info("movement will be retried", metadata: metadata)
        }
        if let paymentProbe {
            if movement.state == .held && movement.holdReason == "payment" {
                paymentProbeAt[paymentProbe] = now + config.paymentProbeSeconds
            } else {
                paymentProbeAt[paymentProbe] = nil
                try? store.setServiceState("paymentRequired:\(paymentProbe)", nil)
                let released = (try? store.release(reason: "payment", apiCode: paymentProbe, now: now)) ?? []
                logger.notice(
                    "service charge paid; held movements released",
                    metadata: ["apiCode": "\(paymentProbe)", "released": "\(released.count)"])
            }
        }
    }

    private func transientFailure(retryAfter: Double?, throttled: Bool) {
        if throttled {
            limiter.throttled()
            if let retryAfter { globalPauseUntil = wallNow() + retryAfter }
            return
        }
        consecutiveFailures += 1
        let now = wallNow()
        if circuitOpenUntil != nil || consecutiveFailures >= config.circuitFailures {
            circuitOpenings += 1
            let pause = max(
                policy.initialSeconds, policy.delay(attempt: circuitOpenings, jitter: Double.random(in: 0.5...1)))
            circuitOpenUntil = now + max(pause, retryAfter ?? 0)
            try? store.setServiceState("circuit.state", "open")
            try? store.setServiceState("circuit.until", String(circuitOpenUntil!))
            logger.warning(
                "service failing repeatedly; queue paused until a probe succeeds",
                metadata: ["circuit.until": "\(ISO8601.string(circuitOpenUntil!))"])
        }
    }

    private func succeeded() {
        limiter.succeeded()
        consecutiveFailures = 0
        if circuitOpenUntil != nil {
            circuitOpenUntil = nil
            circuitOpenings = 0
            try? store.setServiceState("circuit.state", "closed")
            try? store.setServiceState("circuit.until", nil)
            logger.notice("service answering again; queue resumed")
        }
    }

    private func authRefused(_ detail: String) {
        if authProbeAt == nil {
            logger.critical(
                "the token endpoint refused the credentials; sending stopped, queue kept",
                metadata: ["error": "\(detail)"])
        }
        authProbeAt = wallNow() + config.authProbeSeconds
        try? store.setServiceState("auth.state", "failing")
        try? store.setServiceState("auth.detail", detail)
    }

    private func paymentRequired(_ apiCode: String?) {
        guard let apiCode else { return }
        if paymentProbeAt[apiCode] == nil {
            paymentProbeAt[apiCode] = wallNow() + config.paymentProbeSeconds
            logger.critical(
                "402: the organisation's DWT service charge is unpaid; movements are held, not lost",
                metadata: ["apiCode": "\(apiCode)"])
        }
        try? store.setServiceState("paymentRequired:\(apiCode)", String(wallNow()))
    }

    private func tokenRefreshed() async {
        let refreshes = await client.tokens.refreshCount
        if refreshes > tokenRefreshesSeen {
            for _ in tokenRefreshesSeen..<refreshes { metrics?.recordTokenRefresh() }
            tokenRefreshesSeen = refreshes
        } else {
            return
        }
        if let expiry = await client.tokens.expiresAt {
            try? store.setServiceState("auth.tokenExpiresAt", String(expiry))
        }
        try? store.setServiceState("auth.state", "ok")
    }

    private func backoff(_ delivery: Delivery, retryAfter: Double? = nil) -> Double {
        wallNow()
            + policy.delay(
                attempt: delivery.movement.attempts, jitter: Double.random(in: 0...1), retryAfter: retryAfter)
    }

    nonisolated func deliver(_ delivery: Delivery, paymentProbe: String? = nil) async {
        let method = delivery.targetWasteTrackingId == nil ? "POST" : "PUT"
        let path = ReceiptClient.path(for: delivery.targetWasteTrackingId)
        var resent401 = false
        while true {
            let token: String
            do {
                token = try await client.tokens.token()
                await tokenRefreshed()
            } catch {
                switch error {
                case .refused(_, let detail):
                    await authRefused(error.description)
                    await finished(
                        delivery, .held(reason: "auth", inDoubt: false), exchange: nil,
                        error: "credentials refused: \(detail)",
                        paymentProbe: paymentProbe)
                case .unavailable:
                    await transientFailure(retryAfter: nil, throttled: false)
                    await finished(
                        delivery, .retry(nextAttemptAt: await backoff(delivery), inDoubt: false), exchange: nil,
                        error: error.description, paymentProbe: paymentProbe)
                }
                return
            }
            let started = ContinuousClock.now
            let result: Result<ReceiptResponse, ReceiptClient.SendFailure>
            do {
                result = .success(
                    try await client.send(
                        payload: delivery.payload, target: delivery.targetWasteTrackingId, token: token))
            } catch {
                result = .failure(error)
            }
            let duration = started.duration(to: .now)
            let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            switch result {
            case .failure(let failure):
                guard case .transport(let detail, let inDoubt) = failure else { return }
                let exchange = ExchangeRecord(
                    method: method, path: path, status: nil, durationMs: ms, error: detail, serviceChargeExpiry: nil)
                await transientFailure(retryAfter: nil, throttled: false)
                let outcome: DeliveryOutcome
                if inDoubt && method == "POST" && config.inDoubt == .hold {
                    outcome = .held(reason: "in-doubt", inDoubt: true)
                } else {
                    outcome = .retry(nextAttemptAt: await backoff(delivery), inDoubt: inDoubt)
                }
                await finished(delivery, outcome, exchange: exchange, error: detail, paymentProbe: paymentProbe)
                return
            case .success(let response):
                let exchange = ExchangeRecord(
                    method: method, path: path, status: response.status, durationMs: ms,
                    error: response.status >= 400 ? response.firstErrorSummary : nil,
                    serviceChargeExpiry: response.serviceChargeExpiry)
                if response.status == 401 && !resent401 {
                    resent401 = true
                    try? store.recordExchange(delivery.id, exchange, now: wallNow())
                    await client.tokens.invalidate(token)
                    continue
                }
                let outcome = await classify(response, delivery: delivery, method: method)
                await finished(
                    delivery, outcome.outcome, exchange: exchange, error: outcome.error, paymentProbe: paymentProbe)
                return
            }
        }
    }

    private func classify(_ response: ReceiptResponse, delivery: Delivery, method: String) async -> (
        outcome: DeliveryOutcome, error: String?
    ) {
        switch response.status {
        case 200, 201:
            succeeded()
            return (
                .accepted(
                    wasteTrackingId: response.wasteTrackingId, warningsJSON: response.warningsJSON, notFound: false),
                nil
            )
        case 404 where method == "PUT":
            succeeded()
            return (.accepted(wasteTrackingId: nil, warningsJSON: response.warningsJSON, notFound: true), nil)
        case 400:
            succeeded()
            return (.rejected(errorsJSON: response.errorsJSON), "400 " + response.firstErrorSummary)
        case 401:
            authRefused("the API answered 401 twice, even with a fresh token")
            return (.held(reason: "auth", inDoubt: false), "401 Unauthorized with a fresh token")
        case 402:
            paymentRequired(delivery.movement.apiCode)
            return (.held(reason: "payment", inDoubt: false), "402 Payment Required: the service charge is unpaid")
        case 403:
            return (
                .held(reason: "forbidden", inDoubt: false),
                "403 Forbidden: check the apiCode and the client's permissions"
            )
        case 408, 429, 500...599:
            transientFailure(retryAfter: response.retryAfter, throttled: response.status == 429)
            let next = backoff(delivery, retryAfter: response.retryAfter)
            return (.retry(nextAttemptAt: next, inDoubt: false), "HTTP \(response.status)")
        default:
            return (
                .held(reason: "unexpected-status", inDoubt: false),
                "unexpected HTTP \(response.status) from the service"
            )
        }
    }
}

extension DeliveryWorker {
    /// Returns once the actor runs: proof it is not blocked (for the watchdog).
    public func ping() {}

    /// In-flight request count (status line and tests).
    public var inFlightCount: Int { inFlight }
}
