import DWTRelayTestSupport
import Foundation
import Logging

@testable import DWTRelayCore

/// The world around the real `DeliveryWorker` in one generated history: simulated time, files dropped into
/// a real inbox (taken by the daemon's own inbox code), crashes and restarts, an operator's releases, a
/// store that refuses writes for a while, and a model of the service (`ModelService`) as the transport.
///
/// Every turn is the worker's own `turn(in:)`, on the real store (SQLite in a temp folder) with the real
/// result writer; this world only decides when time moves and when answers arrive. Then the verdict
/// (`ModelWorld+Verdict`) checks what the service holds, the store and the result files against what was
/// dropped.
///
/// Everything runs on the one task that awaits `run()` (the worker's calls into this world, and this
/// world's calls into the worker, are one chain of awaits), hence `@unchecked Sendable`.
///
/// A store can be handed in to run many histories on one (erased before each): opening a store, migrating
/// it and compiling its statements cost more than most histories.
final class ModelWorld: SenderWorld, @unchecked Sendable {
    typealias Worker = DeliveryWorker<TestClock, ModelService>

    struct InFlight {
        var sentAt: Double
        var endsAt: Double
        var delivery: Delivery
        var answer: SenderState.Answer
        var exchange: ExchangeRecord?
        var paymentProbe: String?
    }

    let history: SenderHistory
    var random: SeededRandom
    let folder = TemporaryFolder("dwt-relay-model", base: "/dev/shm")
    let config: RelayConfig
    let store: MovementStore
    /// The daemon's own inbox code takes every drop: a file written to the inbox, taken at once while the
    /// daemon runs and by the start-up scan after a stop.
    let ingestor: InboxIngestor
    let results: ResultWriter
    let wake = WakeSignal()
    /// Monotonic time: the worker's clock, and `tick` for this world.
    let clock = TestClock()
    let service: ModelService
    /// The running worker; nil between a crash and the restart.
    var worker: Worker?
    /// The version each dropped file carries (its name says it only from the second version on).
    var versionOfFile: [String: Int] = [:]
    /// The wall clock: the model's monotonic time plus every step the history made.
    let wallTime: SimulatedWall
    var writesRefused = false
    var inFlight: [InFlight] = []
    var events: [(at: Double, apply: () async throws -> Void)] = []
    var nextEvent = 0
    var failures: [String] = []
    var turns = 0
    /// Nothing is left to happen: no event to come, no request out, nothing due, no hold a probe would lift.
    var quiescent = false
    /// When an answer last settled a movement (monotonic): the sender must catch up soon after the service
    /// heals, whatever the wall clock did meanwhile.
    var lastSettledAt = 0.0
    /// After a 429 the service must be heard: the next sends are no faster than its 200/s soft limit, even
    /// with no client-side limit configured. (Where the last 429 arrived, how many sends since, the last one.)
    var throttle: (at: Double, sends: Int, lastSendAt: Double?)?
    static let apiCode = "0b0f2f4e-8a5b-4c1e-9a52-6f2b7f0d9e11"
    static let trace = ProcessInfo.processInfo.environment["DWT_RELAY_MODEL_TRACE"] != nil

    var tick: Double { clock.seconds }
    var wall: Double { wallTime.now }
    var horizon: Double { history.healAt + 4000 }
    var nextEventAt: Double? { nextEvent < events.count ? events[nextEvent].at : nil }

    init(_ history: SenderHistory, on reused: MovementStore? = nil) throws {
        self.history = history
        random = SeededRandom(seed: history.seed ^ 0xA5A5)
        config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "paths.inbox": folder.sub("inbox"),
            "paths.failed": folder.sub("failed"), "paths.results": folder.sub("results"),
            "delivery.concurrency": "\(history.concurrency)", "delivery.circuit_failures": "\(history.circuitFailures)",
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
        service = ModelService(history: history, clock: clock)
        let quiet = Logger(label: "model", factory: { _ in SwiftLogNoOpLogHandler() })
        wallTime = SimulatedWall(clock: clock)
        let wallClock = WallClock { [wallTime] in wallTime.now }
        ingestor = InboxIngestor(config: config, store: store, logger: quiet, wallClock: wallClock)
        results = ResultWriter(folder: config.results, store: store, logger: quiet, wallClock: wallClock)
        try ingestor.prepareFolders()
    }

    /// A new process's worker: the same store, folders and service; nothing of the last one's memory.
    func makeWorker() -> Worker {
        let draws = SeededDraws(seed: random.next())
        return DeliveryWorker(
            store: store, transport: service, config: config, clock: clock, wake: wake, results: results,
            progress: LoopProgress(), logger: Logger(label: "model", factory: { _ in SwiftLogNoOpLogHandler() }),
            wallClock: WallClock { [wallTime] in wallTime.now }, jitter: { draws.unit() })
    }

    // MARK: running

    func run() async throws -> [String] {
        for drop in history.drops { events.append((drop.at, { try self.drop(drop) })) }
        for step in history.clockSteps { events.append((step.at, { self.wallTime.offset += step.by })) }
        for crash in history.crashes {
            events.append((crash.at, { self.crash() }))
            events.append((crash.at + crash.downFor, { try await self.restart() }))
        }
        for failure in history.storeFailures {
            events.append((failure.at, { try self.refuseWrites() }))
            events.append((failure.at + failure.lasting, { try self.storeRecovered() }))
        }
        for release in history.releases { events.append((release, { try self.releaseByOperator() })) }
        // In time order; at one time, in the order added (a crash before its restart).
        events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        try await startWorker()
        var turnsWithoutTime = 0
        while tick <= horizon && failures.isEmpty && !quiescent {
            while let at = nextEventAt, at <= tick {
                let event = events[nextEvent]
                nextEvent += 1
                try await event.apply()
            }
            guard let worker else {
                // Stopped: nothing runs, time passes to the next event (the restart is one).
                guard let at = nextEventAt else { break }
                move(to: at)
                continue
            }
            await completeDue()
            let before = tick
            turns += 1
            await worker.turn(in: self)
            turnsWithoutTime = tick == before ? turnsWithoutTime + 1 : 0
            if turnsWithoutTime > 1000 { try reportSpinning() }
            quiescent = try await nothingLeftToHappen(worker)
        }
        if failures.isEmpty { try check() }
        if Self.trace { print("turns \(turns) requests \(service.model.requests)") }
        return failures
    }

    func move(to target: Double) {
        guard target > tick else { return }
        clock.advance(by: .seconds(target - tick))
    }

    /// Healed, idle, nothing to come: running on to the horizon would change nothing (the verdict then sees
    /// what it would see there), so the history ends here. This keeps histories short.
    func nothingLeftToHappen(_ worker: Worker) async throws -> Bool {
        guard inFlight.isEmpty, nextEventAt == nil, tick >= history.healAt, await worker.unrecorded.isEmpty else {
            return false
        }
        return try store.nextDueTime() == nil && store.apiCodesHeldForPayment().isEmpty
            && !store.anyHeld(reason: .auth)
    }

    func reportSpinning() throws {
        let due = try store.nextDueTime().map { "\(Int($0 - wall)) s" } ?? "none"
        let states = try store.list(limit: 1000).map {
            "\($0.id!):\($0.state.rawValue)\($0.holdReason.map { "/\($0.rawValue)" } ?? "")"
        }
        failures.append("the sender spins: 1000 turns at t=\(Int(tick)) s (next due in \(due), \(states))")
    }

    // MARK: the worker's world

    /// A wake-up ends the sleep early: an answer arriving, a file dropped, any other event. A timed sleep
    /// ends a millisecond late, as the daemon's does.
    func sleep(for seconds: Double?) async {
        var target = tick + (seconds.map { $0 + 0.001 } ?? Double(Worker.maximumWait))
        if let end = inFlight.map(\.endsAt).min() { target = min(target, end) }
        if let at = nextEventAt { target = min(target, at) }
        if Self.trace { print("t=\(tick) sleep \(seconds.map { "\($0)" } ?? "until woken") -> \(target)") }
        move(to: target)
    }

    /// Answers arriving while the worker paces are taken in; nothing else wakes it.
    func pace(for seconds: Double) async {
        move(to: tick + seconds)
        await completeDue()
    }

    /// The request reaches the service now (through the worker's own `send`: the token, the 401 resend),
    /// and its answer arrives after a latency.
    func start(_ delivery: Delivery, paymentProbe: String?) async {
        guard let worker else { return }
        if paymentProbe == nil { checkPaceAfterThrottle() }
        let (answer, exchange) = await worker.send(delivery)
        if Self.trace {
            print(
                "t=\(tick) send \(delivery.id) \(delivery.movement.sourceFile ?? "") to \(delivery.targetWasteTrackingId ?? "POST")"
                    + " -> \(answer) records \(service.model.records)")
        }
        inFlight.append(
            InFlight(
                sentAt: tick, endsAt: tick + random.uniform(0.02...1.5), delivery: delivery, answer: answer,
                exchange: exchange,
                paymentProbe: paymentProbe))
    }

    /// Hands the worker every answer that has arrived by now.
    func completeDue() async {
        guard let worker else { return }
        inFlight.sort { $0.endsAt < $1.endsAt }
        while let first = inFlight.first, first.endsAt <= tick {
            inFlight.removeFirst()
            if case .response(let response) = first.answer, response.status == 429 { throttle = (tick, 0, nil) }
            let decision = await worker.finished(
                first.delivery, first.answer, exchange: first.exchange, paymentProbe: first.paymentProbe)
            if Self.trace { print("t=\(tick) answer \(first.delivery.id): \(decision.outcome)") }
            switch decision.outcome {
            case .held(reason: .auth, _) where !(history.credentialsRefused?.contains(first.sentAt) ?? false):
                // A revoked or expired token is not a verdict on the credentials: one resend with a fresh
                // token, which the endpoint gives while the credentials are good.
                failures.append(
                    "movement \(first.delivery.id) was held for auth at t=\(Int(first.sentAt)) s although the "
                        + "credentials were good (a 401 to a stale token, not resent with a fresh one)")
            case .accepted, .rejected, .held: lastSettledAt = tick
            case .retry, .notAttempted: break
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
        let arrived = SimulatedWall.base + drop.at
        var times = [
            timespec(tv_sec: Int(arrived), tv_nsec: Int((arrived - arrived.rounded(.down)) * 1e9)),
            timespec(tv_sec: Int(arrived), tv_nsec: Int((arrived - arrived.rounded(.down)) * 1e9)),
        ]
        guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw CocoaError(.fileWriteUnknown) }
        if worker != nil { ingestor.take([name]) }
        wake.signal()
    }

    /// A crash: in-flight answers and the worker's unrecorded outcomes are lost with the process.
    func crash() {
        worker = nil
        inFlight = []
        throttle = nil  // a new process has not heard the 429
    }

    /// The daemon starts again, and its start-up scan takes what waited in the inbox.
    func restart() async throws {
        try await startWorker()
        ingestor.scan()
    }

    func startWorker() async throws {
        let worker = makeWorker()
        self.worker = worker
        try await worker.start()
        await worker.fetchTokenAtStart()
    }

    /// The disk fills up: every write to the store fails (SQLite itself refuses them) until it recovers.
    func refuseWrites() throws {
        try store.refuseWrites(true)
        writesRefused = true
    }

    /// The store takes writes again; the inbox watcher's rescan takes the files that waited meanwhile.
    func storeRecovered() throws {
        try store.refuseWrites(false)
        writesRefused = false
        if worker != nil { ingestor.scan() }
    }

    /// `dwt-relay retry --all` (or the office page's button): every held movement back to the queue, and
    /// the sender woken to probe at once.
    func releaseByOperator() throws {
        guard !writesRefused else { return }
        let released = try store.release(byOperator: true, now: wall)
        if !released.isEmpty { wake.signal(.operatorRelease) }
    }
}

/// The model's wall clock: a fixed start, plus the monotonic clock, plus the steps (NTP, an operator) the
/// history made. Only the model's one task sets it.
final class SimulatedWall: @unchecked Sendable {
    static let base = 1_790_000_000.0
    let clock: TestClock
    var offset = 0.0
    init(clock: TestClock) { self.clock = clock }
    var now: Double { Self.base + clock.seconds + offset }
}

/// Seeded draws for the worker's backoff jitter, so that a history replays exactly. Only the model's one
/// task draws from it.
final class SeededDraws: @unchecked Sendable {
    private var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(seed: seed) }
    func unit() -> Double { random.unit() }
}
