import Foundation
import Logging
import ServiceLifecycle

/// Reads the store every `interval` and queues what is news (health changes, refused and rejected loads,
/// deadlines, an unpaid or expiring charge, the daily summary). Its own service: alerts never delay delivery.
public struct AlertWatcher: PeriodicWork {
    let store: MovementStore
    let alerts: AlertStore
    let config: RelayConfig
    let settings: AlertSettings
    let interval: Duration
    let wallClock: WallClock
    let logger: Logger

    public init(
        store: MovementStore, config: RelayConfig, settings: AlertSettings, interval: Duration = .seconds(15),
        wallClock: WallClock = .system, logger: Logger
    ) {
        self.store = store
        self.alerts = AlertStore(store: store)
        self.config = config
        self.settings = settings
        self.interval = interval
        self.wallClock = wallClock
        self.logger = logger
    }

    public func tick() async -> Duration? {
        guard !settings.channels.isEmpty else { return nil }
        do {
            try watchOnce()
        } catch {
            logger.warning("cannot check for alerts", metadata: ["error": "\(error)"])
        }
        return interval
    }

    /// One pass: the facts, the rules, and what they decide queued with the new cursor.
    public func watchOnce() throws {
        let at = wallClock()
        let cursor = try alerts.cursor()
        var (events, next) = AlertRules.evaluate(try facts(at: at, cursor: cursor), cursor: cursor, now: at)
        if let summary = dailySummary(at: at, cursor: next) {
            events.append(summary)
            next.summaryDay = UKTime.day(containing: UKTime.day(containing: at).start - 1).label
        }
        guard !events.isEmpty || next != cursor else { return }
        try alerts.record(events, channels: settings.channels, cursor: next, now: at)
        if !events.isEmpty {
            logger.info(
                "alerts queued", metadata: ["alerts.kinds": "\(Set(events.map(\.kind.rawValue)).sorted())"])
        }
    }

    func facts(at: Double, cursor: AlertCursor?) throws -> AlertFacts {
        let status = try store.statusFacts(deadlineWarningSeconds: config.deadlineWarningSeconds)
        let report = StatusReport.build(
            facts: status, config: config, daemonRunning: true, now: at, inbox: InboxSnapshot.read(config: config))
        let problems = try store.officeProblems(now: at, deadlineWarningSeconds: config.deadlineWarningSeconds)
        var facts = AlertFacts(health: report.health, healthLine: report.summaryLine)
        if let cursor, let rejectionEventID = cursor.rejectionEventID {
            let news = try store.news(afterRefusal: cursor.refusalID, afterRejectionEvent: rejectionEventID)
            facts.newRefusals = news.refusals
            facts.newRejections = news.rejections.map(\.movement)
            facts.rejectionEventsSeenUpTo = news.rejectionEventsSeenUpTo
        } else if let cursor {
            facts.newRefusals = try store.news(afterRefusal: cursor.refusalID, afterRejectionEvent: .max).refusals
        }
        facts.nearDeadline = problems.nearDeadline
        facts.unpaidAPICodes = Set(status.service.unpaidAPICodes)
        facts.chargeExpiry = status.service.serviceChargeExpiries
        if cursor == nil {
            facts.latestRefusalID = try RefusalStore(store: store).list(limit: 1).first?.id ?? 0
            facts.latestMovementID = try store.list(limit: 1).first?.id ?? 0
        }
        if cursor?.rejectionEventID == nil { facts.latestEventID = try store.latestEventID() }
        return facts
    }

    /// Yesterday in numbers, once a day after `alerts.daily_summary_time`.
    func dailySummary(at: Double, cursor: AlertCursor) -> AlertEvent? {
        guard let minute = settings.dailySummaryMinute else { return nil }
        let yesterday = UKTime.day(containing: UKTime.day(containing: at).start - 1)
        guard UKTime.minuteOfDay(at) >= minute, cursor.summaryDay != yesterday.label,
            let loads = try? store.movements(receivedFrom: yesterday.start, to: yesterday.end),
            let refused = try? RefusalStore(store: store).list(refusedFrom: yesterday.start, to: yesterday.end)
        else { return nil }
        let reported = loads.filter { $0.state == .accepted }.count
        let rejected = loads.filter { $0.state == .rejected }.count
        let pending = loads.filter { !$0.state.isFinal }.count
        return AlertEvent(
            kind: .dailySummary, subject: "\(yesterday.label): \(loads.count) loads, \(reported) reported",
            line: "\(yesterday.label): \(loads.count) loads received, \(reported) reported to Defra, \(rejected) "
                + "refused by Defra, \(pending) not yet reported, \(refused.count) ticket files could not be read")
    }
}

/// Sends queued alerts, each channel on its own, retrying with backoff (15 s doubling to 30 min) until the
/// other side takes it: a receiver down for a while gets every alert once it is back, each once.
public struct AlertSender: PeriodicWork {
    let alerts: AlertStore
    let delivery: AlertDelivery
    let wallClock: WallClock
    let officeAddress: String?
    let logger: Logger
    let hasChannels: Bool

    public init(
        store: MovementStore, settings: AlertSettings, officeAddress: String?, wallClock: WallClock = .system,
        logger: Logger
    ) {
        alerts = AlertStore(store: store)
        delivery = AlertDelivery(settings: settings)
        self.wallClock = wallClock
        self.officeAddress = officeAddress
        self.logger = logger
        hasChannels = !settings.channels.isEmpty
    }

    public func tick() async -> Duration? {
        guard hasChannels else { return nil }
        // A stop cancels a send under way: a hung mail server or webhook held SIGTERM for 54 s, past the
        // unit's TimeoutStopSec. The alert stays queued and goes after the restart.
        _ = await cancelWhenGracefulShutdown { await sendDue() }
        return .seconds(2)
    }

    public func stopped() async { await delivery.shutdown() }

    /// Sends every alert due now; returns how many went.
    @discardableResult
    public func sendDue() async -> Int {
        guard let due = try? alerts.due(now: wallClock()) else { return 0 }
        var sent = 0
        for alert in due {
            guard let id = alert.id else { continue }
            do {
                try await delivery.send(alert, officeAddress: officeAddress)
                try alerts.markSent(id, now: wallClock())
                sent += 1
            } catch  where Task.isCancelled {
                break  // stopping: neither sent nor failed, it is sent after the restart
            } catch {
                let delay = min(1800, 15 * pow(2, Double(min(alert.attempts, 10))))
                try? alerts.markFailed(id, error: "\(error)", retryAt: wallClock() + delay)
                logger.warning(
                    "cannot send an alert; will retry",
                    metadata: [
                        "alert.channel": "\(alert.channel.rawValue)", "alert.kind": "\(alert.kind.rawValue)",
                        "retry.seconds": "\(Int(delay))", "error": "\(error)",
                    ])
            }
        }
        return sent
    }
}
