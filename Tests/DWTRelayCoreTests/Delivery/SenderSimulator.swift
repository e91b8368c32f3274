import DWTRelayTestSupport
import Foundation
import HTTPTypes
import Logging

@testable import DWTRelayCore

/// Runs a history through `SenderState` and the real store (SQLite in a temp folder) on simulated time,
/// doing with each step what `DeliveryWorker` does, with the service model in place of HTTP. Then checks
/// what the service holds against what was dropped.
///
/// A store can be handed in to run many histories on one (erased before each): opening a store, migrating
/// it and compiling its statements cost more than most histories.
final class SenderSimulator {
    let history: SenderHistory
    var random: SeededRandom
    let folder = TemporaryFolder("dwt-relay-model", base: "/dev/shm")
    let store: MovementStore
    /// The daemon's own inbox code takes every drop: a file written to the inbox, taken at once while the
    /// daemon runs and by the start-up scan after a stop.
    let ingestor: InboxIngestor
    /// The version each dropped file carries (its name says it only from the second version on).
    var versionOfFile: [String: Int] = [:]
    /// Stopped (between a crash and the restart): nothing is sent, drops wait in the inbox.
    var stopped = false
    let settings: SenderState.Settings
    var state: SenderState
    var service = ServiceModel()
    /// Monotonic seconds; the wall clock is `base + tick + wallOffset`.
    var tick = 0.0
    var wallOffset = 0.0
    let base = 1_790_000_000.0
    var unrecorded: [(delivery: Delivery, decision: SenderState.Decision, paymentProbe: String?)] = []
    var inFlight: [(endsAt: Double, delivery: Delivery, answer: SenderState.Answer, paymentProbe: String?)] = []
    /// Decisions at one tick in a row: a loop that spins makes many without time passing.
    var turnsWithoutTime = 0
    var failures: [String] = []
    /// Described only when a failure is reported (describing an enum each turn cost a tenth of the run).
    var lastStep: SenderState.Step?
    var turns = 0
    /// Nothing is left to happen: no event to come, no request out, nothing due, no probe waiting.
    var quiescent = false
    /// When an answer last settled a movement (monotonic): the sender must catch up soon after the service
    /// heals, whatever the wall clock did meanwhile.
    var lastSettledAt = 0.0
    /// After a 429 the service must be heard: the next sends are no faster than its 200/s soft limit, even
    /// with no client-side limit configured. (Where the last 429 arrived, how many sends since, the last one.)
    var throttle: (at: Double, sends: Int, lastSendAt: Double?)?
    static let apiCode = "0b0f2f4e-8a5b-4c1e-9a52-6f2b7f0d9e11"
    static let maximumWait = 30.0

    var wall: Double { base + tick + wallOffset }
    var horizon: Double { history.healAt + 4000 }

    init(_ history: SenderHistory, on reused: MovementStore? = nil) throws {
        self.history = history
        random = SeededRandom(seed: history.seed ^ 0xA5A5)
        let config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "paths.inbox": folder.sub("inbox"),
            "paths.failed": folder.sub("failed"), "delivery.concurrency": "\(history.concurrency)",
            "delivery.circuit_failures": "\(history.circuitFailures)",
            "delivery.max_requests_per_second": "\(history.maxRate)", "delivery.backoff_initial_seconds": "1",
            "delivery.backoff_max_seconds": "\(history.backoffMax)", "delivery.in_doubt": history.inDoubt.rawValue,
            "delivery.auth_probe_seconds": "60", "delivery.payment_probe_seconds": "120", "intake.validate": "off",
        ])
        if let reused {
            try reused.eraseEverything()
            store = reused
        } else {
            store = try MovementStore(path: config.databasePath)
        }
        settings = SenderState.Settings(config: config)
        state = SenderState(settings: settings)
        let clock = SimulatedWallClock()
        wallClock = clock
        ingestor = InboxIngestor(
            config: config, store: store, logger: Logger(label: "model", factory: { _ in SwiftLogNoOpLogHandler() }),
            wallClock: WallClock { clock.now })
        try ingestor.prepareFolders()
    }

    /// What the ingestor reads as the wall clock: the simulation's.
    let wallClock: SimulatedWallClock

    // MARK: running

    func run() throws -> [String] {
        var events: [(at: Double, apply: () throws -> Void)] = []
        for drop in history.drops { events.append((drop.at, { try self.drop(drop) })) }
        for step in history.clockSteps { events.append((step.at, { self.wallOffset += step.by })) }
        for crash in history.crashes {
            events.append((crash.at, { self.crash() }))
            events.append((crash.at + crash.downFor, { try self.restart() }))
        }
        // In time order; at one time, in the order added (a crash before its restart).
        events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var next = 0
        try start()
        while tick <= horizon && failures.isEmpty && !quiescent {
            while next < events.count && events[next].at <= tick {
                wallClock.now = wall
                try events[next].apply()
                next += 1
            }
            if stopped {
                // Nothing runs: time passes to the next event (the restart is one).
                guard next < events.count else { break }
                tick = max(tick, events[next].at)
                continue
            }
            completeDue()
            try turn(nextEventAt: next < events.count ? events[next].at : nil)
        }
        if failures.isEmpty { try check() }
        if Self.trace { print("turns \(turns) requests \(service.requests)") }
        return failures
    }

    /// One turn of the worker's loop.
    func turn(nextEventAt: Double?) throws {
        turns += 1
        let before = tick
        defer {
            turnsWithoutTime = tick == before ? turnsWithoutTime + 1 : 0
            if turnsWithoutTime > 1000 {
                let due =
                    ((try? store.nextDueTime(excludingAPICodes: state.pausedAPICodes)) ?? nil).map {
                        "\(Int($0 - wall)) s"
                    } ?? "none"
                let states = ((try? store.list(limit: 1000)) ?? []).map {
                    "\($0.id!):\($0.state.rawValue)\($0.holdReason.map { "/\($0.rawValue)" } ?? "")"
                }
                failures.append(
                    "the sender spins: 1000 decisions at t=\(Int(tick)) s (step \(lastStep.map { "\($0)" } ?? "none"), next due in \(due), \(states))"
                )
            }
        }
        if !unrecorded.isEmpty && state.gateShut(at: tick) { _ = try settle(limit: 0, paused: []) }
        let step = state.nextStep(at: tick)
        lastStep = step
        switch step {
        case .wait(let until):
            advance(until: until, nextEventAt: nextEventAt)
        case .probeAuth:
            let refused = history.credentialsRefused?.contains(tick) ?? false
            apply(state.authProbed(refused ? .refused("invalid_client") : .token, at: tick))
        case .probePayment(let apiCode):
            guard let held = try store.oldestHeld(reason: .payment, apiCode: apiCode),
                let delivery = try store.claimHeld(held.id!, now: wall)
            else {
                state.paymentProbeFoundNothing(apiCode)
                return
            }
            state.paymentProbeSending()
            send(delivery, paymentProbe: apiCode)
        case .claim(let limit, let paused):
            let settled = try settle(limit: limit, paused: paused)
            guard !settled.claimed.isEmpty else { return try idle(nextDue: settled.nextDue, nextEventAt: nextEventAt) }
            for delivery in settled.claimed {
                let delay = state.reserveSlot(at: tick)
                if delay > 0 { pace(delay) }
                state.sending()
                checkPaceAfterThrottle()
                send(delivery, paymentProbe: nil)
            }
        }
    }

    func checkPaceAfterThrottle() {
        guard var current = throttle, current.sends < 5 else { return }
        if let last = current.lastSendAt, tick - last < 1 / RateLimiter.serviceSoftLimit - 1e-9 {
            failures.append(
                "after a 429 at t=\(current.at) two requests went \(Int((tick - last) * 1000)) ms apart, faster than the "
                    + "service's 200/s")
        }
        current.sends += 1
        current.lastSendAt = tick
        throttle = current
    }

    func idle(nextDue: Double?, nextEventAt: Double?) throws {
        // Healed and idle with nothing due and nothing to come: idling on to the horizon would change nothing
        // (the verdict then sees what it would see there), so the history ends here. This keeps histories
        // short.
        if nextDue == nil && nextEventAt == nil && tick >= history.healAt && inFlight.isEmpty && unrecorded.isEmpty
            && state.pausedAPICodes.isEmpty
        {
            quiescent = true
            return
        }
        switch state.idleWake(nextDue: nextDue, wall: wall, tick: tick, maximumWait: Self.maximumWait) {
        case .whenARequestEnds: advance(until: nil, nextEventAt: nextEventAt)
        case .at(let wakeAt): advance(until: wakeAt, nextEventAt: nextEventAt)
        case .makeDue(let after): _ = try store.makeFutureRetriesDue(after: after, now: wall)
        }
    }

    /// Sleeps until `until`, a request's end or a new drop (each wakes the worker), at most `maximumWait`.
    func advance(until: Double?, nextEventAt: Double?) {
        var target = min(until ?? .infinity, tick + Self.maximumWait)
        if let end = inFlight.map(\.endsAt).min() { target = min(target, end) }
        if let nextEventAt { target = min(target, nextEventAt) }
        tick = max(tick, target)
    }

    /// The limiter's wait: answers arriving meanwhile are taken in, nothing else.
    func pace(_ delay: Double) {
        tick += delay
        completeDue()
    }

    /// Takes in the answers that have arrived, and those arriving in the next `within` seconds (during a commit).
    func completeDue(within: Double = 0) {
        inFlight.sort { $0.endsAt < $1.endsAt }
        while let first = inFlight.first, first.endsAt <= tick + within {
            inFlight.removeFirst()
            if case .response(let response) = first.answer, response.status == 429 { throttle = (tick, 0, nil) }
            let decision = state.answered(
                first.answer, to: SenderState.Attempt(first.delivery), at: tick, wall: wall, jitter: random.unit())
            apply(decision.actions)
            if Self.trace { print("t=\(tick) answer \(first.delivery.id): \(decision.outcome)") }
            unrecorded.append((first.delivery, decision, first.paymentProbe))
        }
    }

    func settle(limit: Int, paused: Set<String>) throws -> Settlement {
        let waiting = unrecorded
        unrecorded = []
        let settled = try store.settle(
            finishing: waiting.map {
                FinishedAttempt(
                    id: $0.delivery.id, outcome: $0.decision.outcome, exchange: nil, lastError: $0.decision.error)
            }, claimLimit: limit, now: wall, pausedAPICodes: paused)
        // The worker's actor is free while the commit runs (`settleSuspending`): answers arriving meanwhile
        // are taken in before this turn's outcomes are applied, and recorded next turn. (Time is not moved
        // on, so that a loop that spins still shows as decisions without time passing.)
        completeDue(within: random.uniform(0...0.005))
        if settled.finished.contains(where: { $0.state.isFinal || $0.state == .held }) { lastSettledAt = tick }
        for (entry, movement) in zip(waiting, settled.finished) {
            apply(
                state.recorded(
                    state: movement.state, holdReason: movement.holdReason, paymentProbe: entry.paymentProbe, at: tick))
        }
        return settled
    }

    func apply(_ actions: [SenderState.Action]) {
        for action in actions {
            switch action {
            case .credentialsAccepted: _ = try? store.release(reason: .auth, now: wall)
            case .paymentCleared(let apiCode): _ = try? store.release(reason: .payment, apiCode: apiCode, now: wall)
            default: break
            }
        }
    }

    // MARK: the outside world

    /// A weighbridge writes a file: `R3.json` first, then `R3-v2.json`, `R3-v3.json` (a correction's name
    /// sorts before its original's, so taking the inbox in name order would send them the wrong way round).
    /// The file's time is when it arrived on the monotonic clock: an NTP step between two drops while the
    /// daemon is stopped would mislead any order by file time, and the model does not ask the impossible.
    func drop(_ drop: SenderHistory.Drop) throws {
        let body = try JSONSerialization.data(
            withJSONObject: [
                "apiCode": Self.apiCode, "yourUniqueReference": drop.reference, "version": drop.version,
                "invalid": drop.invalid,
            ], options: .sortedKeys)  // the same bytes every run: a replayed seed stores the same content hash
        let name = drop.version == 1 ? "\(drop.reference).json" : "\(drop.reference)-v\(drop.version).json"
        versionOfFile[name] = drop.version
        let path = ingestor.inbox + "/" + name
        try body.write(to: URL(fileURLWithPath: path))
        let arrived = base + drop.at
        var times = [
            timespec(tv_sec: Int(arrived), tv_nsec: Int((arrived - arrived.rounded(.down)) * 1e9)),
            timespec(tv_sec: Int(arrived), tv_nsec: Int((arrived - arrived.rounded(.down)) * 1e9)),
        ]
        guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw CocoaError(.fileWriteUnknown) }
        if !stopped { ingestor.take([name]) }
    }

    /// A crash: in-flight answers and unrecorded outcomes are lost with the process.
    func crash() {
        stopped = true
        inFlight = []
        unrecorded = []
        throttle = nil  // a new process has not heard the 429
    }

    /// The daemon starts again as `run()` does, and its start-up scan takes what waited in the inbox.
    func restart() throws {
        stopped = false
        state = SenderState(settings: settings)
        try start()
        ingestor.scan()
    }

    func start() throws {
        _ = try store.recoverInterrupted(inDoubt: history.inDoubt, now: wall)
        state.started(
            paymentHeld: try store.apiCodesHeldForPayment(), authHeld: try store.anyHeld(reason: .auth), at: tick)
        if history.credentialsRefused?.contains(tick) ?? false {
            apply(state.credentialsRefused("invalid_client", at: tick))
        }
    }

    /// The request reaches the service now (or not), and its answer arrives after a latency.
    static let trace = ProcessInfo.processInfo.environment["DWT_RELAY_MODEL_TRACE"] != nil

    func send(_ delivery: Delivery, paymentProbe: String?) {
        let answer = serve(delivery)
        if Self.trace {
            print(
                "t=\(tick) send \(delivery.id) \(delivery.movement.sourceFile ?? "") to \(delivery.targetWasteTrackingId ?? "POST")"
                    + " -> \(answer) records \(service.records)")
        }
        inFlight.append((tick + random.uniform(0.02...1.5), delivery, answer, paymentProbe))
    }

    func serve(_ delivery: Delivery) -> SenderState.Answer {
        if history.credentialsRefused?.contains(tick) ?? false { return .credentialsRefused(detail: "invalid_client") }
        service.requests += 1
        let body = (try? JSONSerialization.jsonObject(with: delivery.payload)) as? [String: Any] ?? [:]
        let reference = body["yourUniqueReference"] as? String ?? "?"
        let version = body["version"] as? Int ?? 0
        let invalid = body["invalid"] as? Bool ?? false
        let target = delivery.targetWasteTrackingId
        func store() -> String? {
            guard !invalid else { return nil }
            if let target { return service.put(id: target, reference: reference, version: version) ? target : nil }
            return service.post(reference: reference, version: version)
        }
        func answer(_ status: Int, _ object: Any = [String: Any](), retryAfter: Double? = nil) -> SenderState.Answer {
            let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            return .response(
                ReceiptResponse(status: status, body: data, serviceChargeExpiry: nil, retryAfter: retryAfter))
        }
        if tick < history.healAt && random.chance(history.faultRate) {
            switch random.pick(ServiceFault.allCases) {
            case .throttled:
                let text = random.pick(history.retryAfterTexts)
                return answer(429, ["message": "Too Many Requests"], retryAfter: ReceiptResponse.parseRetryAfter(text))
            case .storedThen500:
                _ = store()
                return answer(500, ["message": "An internal server error occurred"])
            case .badGateway502:
                if random.chance(0.5) { _ = store() }
                return answer(502)
            case .unavailable503: return answer(503)
            case .timeout408: return answer(408)
            case .lostBeforeStoring: return .lost(detail: "connection reset", mayHaveArrived: true)
            case .lostAfterStoring:
                _ = store()
                return .lost(detail: "read timed out", mayHaveArrived: true)
            case .portalPage:
                return .response(
                    ReceiptResponse(
                        status: 200, body: Data("<html>Sign in</html>".utf8), serviceChargeExpiry: nil, retryAfter: nil)
                )
            case .emptyCreated:
                // To a PUT, `{}` is what the service itself answers: something else answering it cannot be
                // told apart (a documented limit), so the model sends it to POSTs only.
                return target == nil ? answer(201) : answer(503)
            }
        }
        if invalid {
            return answer(400, ["validation": ["errors": [["key": "x", "errorType": "InvalidValue", "message": "m"]]]])
        }
        if history.unpaid?.contains(tick) ?? false { return answer(402, ["message": "Payment Required"]) }
        guard let id = store() else { return answer(404, ["message": "Not Found"]) }
        return target == nil ? answer(201, ["wasteTrackingId": id]) : answer(200)
    }
}

/// The wall clock the inbox code reads in the simulation (set before each step; one thread uses it).
final class SimulatedWallClock: @unchecked Sendable {
    var now = 0.0
}
