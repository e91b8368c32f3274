import Foundation
import HTTPTypes
import Logging

/// One delivery's I/O, and the worker carrying out what `SenderState` decided: recording outcomes in
/// batches, status facts, releases and logs.
extension DeliveryWorker {
    /// An outcome the store could not record yet (e.g. a full disk): kept and retried, never dropped.
    struct UnrecordedOutcome {
        var delivery: Delivery
        var outcome: DeliveryOutcome
        var exchange: ExchangeRecord?
        var error: String?
        var paymentProbe: String?

        var finishedAttempt: FinishedAttempt {
            FinishedAttempt(id: delivery.id, outcome: outcome, exchange: exchange, lastError: error)
        }
    }

    // MARK: one delivery

    /// Sends one movement (POST or PUT) and hands the answer to the state machine.
    nonisolated func deliver(_ delivery: Delivery, paymentProbe: String? = nil) async {
        let (answer, exchange) = await send(delivery)
        await finished(delivery, answer, exchange: exchange, paymentProbe: paymentProbe)
    }

    /// The HTTP exchange: a token, the request, and one resend with a fresh token after a 401 (an expired
    /// or revoked token is not a verdict on the credentials).
    nonisolated func send(_ delivery: Delivery) async -> (SenderState.Answer, ExchangeRecord?) {
        let method: HTTPRequest.Method = delivery.targetWasteTrackingId == nil ? .post : .put
        let path = ReceiptClient.path(for: delivery.targetWasteTrackingId)
        var resent401 = false
        while true {
            let token: String
            do {
                token = try await transport.tokens.token()
                await tokenRefreshed()
            } catch {
                switch error {
                case .refused(_, let detail): return (.credentialsRefused(detail: detail), nil)
                case .unavailable: return (.tokenUnavailable(detail: error.description), nil)
                case .notAToken: return (.credentialsRefused(detail: error.description), nil)
                }
            }
            let started = ContinuousClock.now
            let result: Result<ReceiptResponse, ReceiptClient.SendFailure>
            do {
                result = .success(
                    try await transport.send(
                        payload: delivery.payload, target: delivery.targetWasteTrackingId, token: token))
            } catch {
                result = .failure(error)
            }
            let duration = started.duration(to: .now)
            let ms = duration.seconds * 1000
            switch result {
            case .failure(.transport(let detail, let inDoubt)):
                let exchange = ExchangeRecord(
                    method: method, path: path, status: nil, durationMs: ms, error: detail, serviceChargeExpiry: nil)
                return (.lost(detail: detail, mayHaveArrived: inDoubt), exchange)
            case .success(let response):
                let exchange = ExchangeRecord(
                    method: method, path: path, status: response.status, durationMs: ms,
                    error: response.status >= 400 ? response.firstErrorSummary : nil,
                    serviceChargeExpiry: response.serviceChargeExpiry)
                if response.status == 401 && !resent401 {
                    resent401 = true
                    try? await store.recordExchange(delivery.id, exchange, now: wallClock())
                    await transport.tokens.invalidate(token)
                    continue
                }
                return (.response(response), exchange)
            }
        }
    }

    /// An answer arrived: what it means is decided now; it is recorded with the next turn's transaction.
    @discardableResult
    func finished(
        _ delivery: Delivery, _ answer: SenderState.Answer, exchange: ExchangeRecord?, paymentProbe: String?
    ) -> SenderState.Decision {
        let decision = state.answered(
            answer, to: SenderState.Attempt(delivery), at: elapsed(), wall: wallClock(), jitter: jitter())
        apply(decision.actions)
        // Recorded by the loop, together with every other outcome that arrived meanwhile: one transaction
        // (one fsync) for many answers.
        unrecorded.append(
            UnrecordedOutcome(
                delivery: delivery, outcome: decision.outcome, exchange: exchange, error: decision.error,
                paymentProbe: paymentProbe))
        wake.signal()
        return decision
    }

    // MARK: recording

    /// Records every waiting outcome in one transaction; true when none are left (false: the store failed,
    /// e.g. a full disk, and they are kept for the next try).
    func flushUnrecorded() async -> Bool {
        await settleAndClaim(now: wallClock(), limit: 0, pausedAPICodes: []) != nil
    }

    /// The last flush, at shutdown: on this thread, so that a cancelled shutdown cannot interrupt it.
    func flushUnrecordedBeforeStopping() {
        guard !unrecorded.isEmpty else { return }
        let waiting = unrecorded
        unrecorded = []
        do {
            let finished = try store.settle(finishing: waiting.map(\.finishedAttempt), claimLimit: 0, now: wallClock())
            for (entry, movement) in zip(waiting, finished.finished) { recorded(entry, movement) }
        } catch {
            logger.critical(
                "cannot record delivery outcomes at shutdown (an in-doubt resend after the restart)",
                metadata: ["movements": "\(waiting.count)", "error": "\(error)"])
        }
    }

    /// Records every waiting outcome and claims up to `limit` due movements in one transaction (one fsync
    /// per turn of the loop). Nil when the store failed: the outcomes are kept for the next try.
    /// Claiming nothing, it also says when the next movement falls due (read in the same transaction).
    ///
    /// The actor is free while the transaction commits: answers that arrive meanwhile go to `unrecorded`
    /// for the next turn, behind the ones being recorded.
    func settleAndClaim(now: Double, limit: Int, pausedAPICodes: Set<String>) async -> Settlement? {
        guard !unrecorded.isEmpty || limit > 0 else { return Settlement() }
        let waiting = unrecorded
        unrecorded = []
        let settled: Settlement
        do {
            settled = try await store.settleSuspending(
                finishing: waiting.map(\.finishedAttempt), claimLimit: limit, now: now, pausedAPICodes: pausedAPICodes)
        } catch {
            unrecorded = waiting + unrecorded
            if waiting.isEmpty {
                logger.error("cannot claim movements from the queue", metadata: ["error": "\(error)"])
            } else {
                logger.critical(
                    "cannot record delivery outcomes; keeping them and retrying (an in-doubt resend after a restart)",
                    metadata: ["movements": "\(waiting.count)", "error": "\(error)"])
            }
            return nil
        }
        for (entry, movement) in zip(waiting, settled.finished) { recorded(entry, movement) }
        return settled
    }

    func recorded(_ entry: UnrecordedOutcome, _ movement: Movement) {
        if let exchange = entry.exchange {
            metrics?.recordDelivery(status: exchange.status, durationMs: exchange.durationMs)
        }
        var metadata: Logger.Metadata = [
            "movement.id": "\(entry.delivery.id)", "movement.state": "\(movement.state.rawValue)",
            "http.status": "\(entry.exchange?.status.map(String.init) ?? "-")",
        ]
        if let id = movement.wasteTrackingId { metadata["movement.waste_tracking_id"] = "\(id)" }
        if let error = entry.error { metadata["error"] = "\(error)" }
        switch movement.state {
        case .accepted, .rejected:
            results.write(movement)
            logger.info("movement \(movement.state.rawValue)", metadata: metadata)
        case .held:
            logger.warning("movement held", metadata: metadata)
        default:
            metrics?.recordRetry()
            logger.info("movement will be retried", metadata: metadata)
        }
        apply(
            state.recorded(
                state: movement.state, holdReason: movement.holdReason, paymentProbe: entry.paymentProbe,
                at: elapsed()))
    }

    // MARK: actions

    /// Carries out what the state machine decided: status facts in the store, releases, logs.
    func apply(_ actions: [SenderState.Action]) {
        for action in actions {
            switch action {
            case .credentialsRefused(let detail, let first):
                if first {
                    logger.critical(
                        "the token endpoint refused the credentials; sending stopped, queue kept",
                        metadata: ["error": "\(detail)"])
                }
                publish(.auth(.failing(detail)))
            case .credentialsAccepted:
                publish(.auth(.ok))
                logger.notice("token endpoint accepts the credentials again")
                release(Release(reason: .auth, apiCode: nil))
            case .circuitOpened(let until):
                publish(.circuit(open: until))
                logger.warning(
                    "service failing repeatedly; queue paused until a probe succeeds",
                    metadata: ["circuit.until": "\(ISO8601.string(until))"])
            case .circuitClosed:
                publish(.circuit(open: nil))
                logger.notice("service answering again; queue resumed")
            case .paymentRequired(let apiCode, let first):
                if first {
                    logger.critical(
                        "402: the organisation's DWT service charge is unpaid; movements are held, not lost",
                        metadata: ["apiCode": "\(apiCode)"])
                }
                publish(.paymentRequired(apiCode: apiCode, since: wallClock()))
            case .paymentCleared(let apiCode):
                publish(.paymentRequired(apiCode: apiCode, since: nil))
                logger.notice("service charge paid", metadata: ["apiCode": "\(apiCode)"])
                release(Release(reason: .payment, apiCode: apiCode))
            }
        }
    }

    func publish(_ fact: ServiceFact) {
        try? ServiceStatusStore(store: store).publish(fact, now: wallClock())
    }

    // MARK: releases

    /// Movements held for a cause that has cleared (refused credentials, an unpaid charge).
    struct Release: Equatable {
        var reason: HoldReason
        var apiCode: String?
    }

    /// Releases what a cleared cause held. When the store cannot write it (a full disk) the release is owed
    /// and retried every turn: the state machine has already closed the probe that would find the cause
    /// cleared again, so without it the movements would wait for a restart.
    func release(_ release: Release) {
        do {
            let released = try store.release(reason: release.reason, apiCode: release.apiCode, now: wallClock())
            releasesOwed.removeAll { $0 == release }
            logger.notice(
                "held movements released",
                metadata: [
                    "hold.reason": "\(release.reason.rawValue)", "apiCode": "\(release.apiCode ?? "-")",
                    "released": "\(released.count)",
                ])
        } catch {
            if !releasesOwed.contains(release) { releasesOwed.append(release) }
            logger.error(
                "cannot release held movements; trying again",
                metadata: ["hold.reason": "\(release.reason.rawValue)", "error": "\(error)"])
        }
    }

    func releaseOwed() {
        for owed in releasesOwed { release(owed) }
    }

    func tokenRefreshed() async {
        let refreshes = await transport.tokens.refreshCount
        guard refreshes > tokenRefreshesSeen else { return }
        for _ in tokenRefreshesSeen..<refreshes { metrics?.recordTokenRefresh() }
        tokenRefreshesSeen = refreshes
        if let expiry = await transport.tokens.expiresAt { publish(.tokenExpiresAt(expiry)) }
        publish(.auth(.ok))
    }
}

extension DeliveryWorker {
    /// Returns once the actor runs: proof it is not blocked (for the watchdog).
    public func ping() {}
}
