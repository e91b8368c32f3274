import Foundation
import Logging

/// One delivery and what its answer does to the sender's state: outcome classification, recording in
/// batches, backoff, the circuit, auth and payment holds.
extension DeliveryWorker {
    // MARK: one delivery

    /// An outcome the store could not record yet (e.g. a full disk): kept and retried, never dropped.
    struct UnrecordedOutcome {
        var delivery: Delivery
        var outcome: DeliveryOutcome
        var exchange: ExchangeRecord?
        var error: String?
        var paymentProbe: String?
    }

    func finished(
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
        settleAndClaim(now: wallNow(), limit: 0) != nil
    }

    /// Records every waiting outcome and claims up to `limit` due movements in one transaction (one fsync
    /// per turn of the loop). Nil when the store failed: the outcomes are kept for the next try.
    func settleAndClaim(now: Double, limit: Int) -> [Delivery]? {
        guard !unrecorded.isEmpty || limit > 0 else { return [] }
        let waiting = unrecorded
        let settled: (finished: [Movement], claimed: [Delivery])
        do {
            settled = try store.settle(
                finishing: waiting.map {
                    FinishedAttempt(id: $0.delivery.id, outcome: $0.outcome, exchange: $0.exchange, lastError: $0.error)
                }, claimLimit: limit, now: now, pausedAPICodes: Set(paymentProbeAt.keys))
        } catch {
            if waiting.isEmpty {
                logger.error("cannot claim movements from the queue", metadata: ["error": "\(error)"])
            } else {
                logger.critical(
                    "cannot record delivery outcomes; keeping them and retrying (an in-doubt resend after a restart)",
                    metadata: ["movements": "\(waiting.count)", "error": "\(error)"])
            }
            return nil
        }
        unrecorded = []
        for (entry, movement) in zip(waiting, settled.finished) { recorded(entry, movement, now: now) }
        return settled.claimed
    }

    func recorded(_ entry: UnrecordedOutcome, _ movement: Movement, now: Double) {
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
                paymentProbeAt[paymentProbe] = elapsed() + config.paymentProbeSeconds
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

    func transientFailure(retryAfter: Double?, throttled: Bool) {
        let honoured = policy.honoured(retryAfter: retryAfter)
        if throttled {
            // Even with no client-side limit configured, a 429 slows the sender down (AIMD).
            limiter.throttled()
            if let honoured { globalPauseUntil = max(globalPauseUntil ?? 0, elapsed() + honoured) }
            return
        }
        consecutiveFailures += 1
        if circuitOpenUntil != nil || consecutiveFailures >= config.circuitFailures {
            circuitOpenings += 1
            let pause = max(
                policy.initialSeconds, policy.delay(attempt: circuitOpenings, jitter: Double.random(in: 0.5...1)),
                honoured ?? 0)
            circuitOpenUntil = elapsed() + pause
            let until = wallNow() + pause
            try? store.setServiceState("circuit.state", "open")
            try? store.setServiceState("circuit.until", String(until))
            logger.warning(
                "service failing repeatedly; queue paused until a probe succeeds",
                metadata: ["circuit.until": "\(ISO8601.string(until))"])
        }
    }

    func succeeded() {
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

    func authRefused(_ detail: String) {
        if authProbeAt == nil {
            logger.critical(
                "the token endpoint refused the credentials; sending stopped, queue kept",
                metadata: ["error": "\(detail)"])
        }
        authProbeAt = elapsed() + config.authProbeSeconds
        try? store.setServiceState("auth.state", "failing")
        try? store.setServiceState("auth.detail", detail)
    }

    func paymentRequired(_ apiCode: String?) {
        guard let apiCode else { return }
        if paymentProbeAt[apiCode] == nil {
            paymentProbeAt[apiCode] = elapsed() + config.paymentProbeSeconds
            logger.critical(
                "402: the organisation's DWT service charge is unpaid; movements are held, not lost",
                metadata: ["apiCode": "\(apiCode)"])
        }
        try? store.setServiceState("paymentRequired:\(apiCode)", String(wallNow()))
    }

    func tokenRefreshed() async {
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

    func backoff(_ delivery: Delivery, retryAfter: Double? = nil) -> Double {
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
                let outcome = await retryOutcome(delivery, inDoubt: inDoubt && method == "POST")
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

    func classify(_ response: ReceiptResponse, delivery: Delivery, method: String) async -> (
        outcome: DeliveryOutcome, error: String?
    ) {
        switch response.status {
        case 200 where method == "POST", 201 where method == "POST":
            // Accepted only with a well-formed ID: a captive portal's 200 page or a proxy's `201 {}` is not the
            // service, and the POST may or may not have reached it.
            guard let id = response.validWasteTrackingId else {
                return unexpectedAnswer(response, delivery: delivery, method: method)
            }
            succeeded()
            return (.accepted(wasteTrackingId: id, warningsJSON: response.warningsJSON, notFound: false), nil)
        case 200, 201:
            // A PUT is accepted for the ID it was sent to; the service answers `{}` or its warnings.
            guard response.isJSONObject else { return unexpectedAnswer(response, delivery: delivery, method: method) }
            succeeded()
            return (
                .accepted(
                    wasteTrackingId: delivery.targetWasteTrackingId, warningsJSON: response.warningsJSON,
                    notFound: false),
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
            // A 500 can follow a stored movement (the service's warnings step fails after storing), and a
            // gateway's 502/504 may hide an answer the service gave: for a POST those are in doubt. 503 and
            // 429 are refusals before any work, and a PUT is idempotent.
            let inDoubt = method == "POST" && Self.inDoubtStatuses.contains(response.status)
            let outcome = retryOutcome(delivery, inDoubt: inDoubt, retryAfter: response.retryAfter)
            return (outcome, inDoubt ? "HTTP \(response.status) to a POST: in doubt" : "HTTP \(response.status)")
        default:
            return (
                .held(reason: "unexpected-status", inDoubt: false),
                "unexpected HTTP \(response.status) from the service"
            )
        }
    }

    /// Answers to a POST after which the movement may be stored at the service.
    static var inDoubtStatuses: Set<Int> { [500, 502, 504] }

    /// A success status without the service's body: not accepted. Retried like a transient failure; for a
    /// POST it is in doubt (resent flagged `possibleDuplicate`, or held under `delivery.in_doubt: hold`).
    func unexpectedAnswer(_ response: ReceiptResponse, delivery: Delivery, method: String) -> (
        outcome: DeliveryOutcome, error: String?
    ) {
        transientFailure(retryAfter: nil, throttled: false)
        let detail =
            "HTTP \(response.status) without the service's answer "
            + (method == "POST" ? "(no valid wasteTrackingId; a proxy or captive portal?)" : "(not JSON)")
        return (retryOutcome(delivery, inDoubt: method == "POST"), detail)
    }

    /// The one rule for a failed attempt: retried after a backoff; when the POST may already be stored at the
    /// service, retried flagged (`delivery.in_doubt: resend`) or held for an operator (`hold`).
    func retryOutcome(_ delivery: Delivery, inDoubt: Bool, retryAfter: Double? = nil) -> DeliveryOutcome {
        if inDoubt && config.inDoubt == .hold { return .held(reason: "in-doubt", inDoubt: true) }
        return .retry(nextAttemptAt: backoff(delivery, retryAfter: retryAfter), inDoubt: inDoubt)
    }
}

extension DeliveryWorker {
    /// Returns once the actor runs: proof it is not blocked (for the watchdog).
    public func ping() {}

    /// In-flight request count (status line and tests).
    public var inFlightCount: Int { inFlight }
}
