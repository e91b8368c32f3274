import Foundation
import Logging
import ServiceLifecycle

/// Tells systemd how the daemon is: READY=1 at start, STATUS= summary lines, WATCHDOG=1 only while the
/// inbox queue and the sender both answer a ping, STOPPING=1 at shutdown. Also writes the heartbeat
/// that `status` reads to tell a live daemon from a wedged one.
public struct HealthService: Service {
    let store: MovementStore
    let config: RelayConfig
    let notifier: SystemdNotifier
    let interval: Double
    let logger: Logger
    /// Pings the daemon's loops; false when one answers but makes no progress.
    let pings: @Sendable () async -> Bool
    /// Open when every other part has started (the local API has bound or reported why not, each inbox has
    /// been scanned).
    let started: [OneShotGate]

    public init(
        store: MovementStore, config: RelayConfig, notifier: SystemdNotifier, logger: Logger,
        started: [OneShotGate] = [], pings: @escaping @Sendable () async -> Bool
    ) {
        self.started = started
        self.store = store
        self.config = config
        self.notifier = notifier
        self.logger = logger
        self.pings = pings
        self.interval = min(30, (SystemdNotifier.watchdogInterval() ?? 60) / 2)
    }

    public func run() async throws {
        for part in started { await part.wait() }
        beat()
        notifier.notify("READY=1\nSTATUS=\(summary())")
        logger.info("dwt-relay ready", metadata: ["pid": "\(getpid())"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                }
            } catch {
                break
            }
            if await respondsInTime() {
                beat()
                notifier.notify("WATCHDOG=1\nSTATUS=\(summary())")
            } else {
                logger.critical("a daemon loop is not making progress; withholding the watchdog ping")
            }
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping")
    }

    private func respondsInTime() async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await pings() }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func beat() {
        let now = Date().timeIntervalSince1970
        let status = ServiceStatusStore(store: store)
        try? status.set(ServiceStateKey.daemonHeartbeat, String(now))
        // The markers carry how many loads were pending, so that a lost database can at least be counted.
        if let id = try? status.value(ServiceStateKey.databaseID), let facts = try? store.statusFacts() {
            try? DatabaseIdentity(config: config).record(id: id, pending: facts.pending, now: now)
        }
    }

    private func summary() -> String {
        guard let facts = try? store.statusFacts(deadlineWarningSeconds: config.deadlineWarningSeconds) else {
            return "store unreadable"
        }
        return StatusReport.build(
            facts: facts, config: config, daemonRunning: true, now: Date().timeIntervalSince1970,
            inbox: InboxSnapshot.read(config: config)
        )
        .summaryLine
    }
}
