import Foundation
import Logging
import ServiceLifecycle

/// Assembles the daemon: store, inbox watcher, sender and health reporting, run by one `ServiceGroup`
/// that shuts down gracefully on SIGTERM/SIGINT.
///
/// One injected `clock` (monotonic in production) times every delivery decision: the sender's pacing,
/// backoff waits, circuit and probes, the token cache, retention and alerts. Tests pass a `TestClock` and
/// move time themselves. Only the systemd watchdog and the inbox rescans keep real time: they are about the
/// process being alive and the disk, not about delivery.
public enum RelayDaemon {
    public static func run<C: Clock<Duration>>(
        config: RelayConfig, clientSecret: String, logger: Logger, handleSignals: Bool = true,
        stopWhen stopRequested: (@Sendable () async -> Void)? = nil, clock: C = ContinuousClock(),
        assembled: (@Sendable (DaemonAssembly) -> Void)? = nil
    ) async throws {
        // Trapped before anything else: a stop during start-up is carried out once the services are up.
        let stopSignals = handleSignals ? await StopSignalService.trap() : nil
        let key = try StorageKey.load(config: config, create: true)
        // The address is checked before anything starts, so a bad one is a config error (exit 78).
        if let listen = config.httpListen { _ = try LocalAPI.address(listen, config: config) }
        logger.notice(
            "dwt-relay starting",
            metadata: [
                "version": "\(RelayVersion.current)", "config.file": "\(config.sourcePath ?? "(none: defaults)")",
                "inboxes": "\(config.sites.map(\.inbox).joined(separator: ","))", "api.base_url": "\(config.baseURL)",
                "http.listen": "\(config.httpListen ?? "off")", "storage.key_id": "\(key?.id ?? "none")",
            ])
        _ = try config.siteDefaults()  // a missing or broken defaults file stops start-up, naming the key
        _ = try config.csvMapping()
        let fresh = !FileManager.default.fileExists(atPath: config.databasePath)
        let store = try MovementStore(path: config.databasePath, key: key, logger: logger.component("store"))
        if fresh {
            logger.notice(
                """
                created a new, empty database (normal on the first start; otherwise the earlier database is \
                missing: stop dwt-relay and restore it from a backup)
                """,
                metadata: ["database": "\(config.databasePath)"])
        }
        let lock = try DaemonLock.acquire(stateDirectory: config.stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        if let loss = try DatabaseIdentity(config: config).check(
            store: store, fresh: fresh, now: Date().timeIntervalSince1970)
        {
            logger.critical(
                "the database was lost: a new, empty one replaces it; loads it held and had not delivered are gone",
                metadata: [
                    "database.previous_id": "\(loss.previousID)",
                    "database.pending_when_last_seen": "\(loss.pendingWhenLastSeen.map(String.init) ?? "unknown")",
                ])
        }
        let status = ServiceStatusStore(store: store)
        try status.set(ServiceStateKey.daemonPID, String(getpid()))
        try status.set(ServiceStateKey.daemonStartedAt, String(Date().timeIntervalSince1970))
        try status.set(ServiceStateKey.intakeError, nil)

        let wake = WakeSignal()
        let progress = LoopProgress()
        let health = IntakeHealth()
        // Every door checks with the same reference lists, refreshed by `ReferenceDataRefresh`.
        let intakes = IntakeFactory(config: config, store: store)
        // One ingestor (inbox, apiCode, nation) per site; one store and one sender for all of them.
        let ingestors = config.sites.map { site in
            InboxIngestor(
                config: config, store: store, logger: logger.component("inbox"), health: health, intakes: intakes,
                site: site
            ) { wake.signal() }
        }
        do {
            for ingestor in ingestors { try ingestor.prepareFolders() }
            for site in config.sites {
                try FileSystem.createDirectory(config.resultsFolder(for: site.name))
            }
        } catch {
            let reason = (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)) } ?? "\(error)"
            throw ConfigError(key: "paths", "cannot create spool folders: \(reason)")
        }
        let wakeSocket = WakeSocket(databasePath: config.databasePath) { reason in wake.signal(reason) }
        defer { wakeSocket?.cancel() }

        let metrics = RelayMetrics()
        var services: [any Service] = []
        let started = OneShotGate()
        try? status.set(ServiceStateKey.httpError, nil)
        if config.httpListen != nil {
            let api = try LocalAPI(
                config: config, store: store, metrics: metrics, logger: logger.component("api"), intakes: intakes
            ) {
                wake.signal($0)
            }
            services.append(
                LocalAPIService(
                    api: api, store: store, started: started, retrySeconds: 10, logger: logger.component("api")))
        } else {
            started.open()
        }
        let client = try ReceiptClient(
            config: config, clientSecret: clientSecret, logger: logger.component("sender"), clock: clock)
        let results = ResultWriter(
            folder: config.results, store: store, logger: logger.component("results"),
            siteFolders: Dictionary(
                uniqueKeysWithValues: config.sites.map { ($0.name, config.resultsFolder(for: $0.name)) }))
        // Periodic work, each a loop on the daemon's clock.
        var periodic: [any PeriodicWork] = [
            ReferenceDataRefresh(store: store, client: client, logger: logger.component("refdata")) {
                intakes.use($0)
            },
            Retention(sweep: RetentionSweep(config: config), store: store, logger: logger.component("retention")),
        ]
        // Alerts watch the store and send on their own schedule and HTTP client: they never delay delivery.
        let alertSettings = try AlertSettings(config: config)
        if !alertSettings.channels.isEmpty {
            periodic.append(
                AlertWatcher(store: store, config: config, settings: alertSettings, logger: logger.component("alerts")))
            periodic.append(
                AlertSender(
                    store: store, settings: alertSettings, officeAddress: config.httpListen.map { "http://\($0)/" },
                    logger: logger.component("alerts")))
        }
        for work in periodic { services.append(Self.periodicService(work, clock: clock)) }
        // The sender and the periodic work sleep on the clock when idle; a test that moves a `TestClock`
        // waits for all of them to sleep again before moving it on (`RelayHarness.advance`).
        assembled?(DaemonAssembly(loopsOnTheClock: 1 + periodic.count))
        let workerProgress = LoopProgress()
        let worker = DeliveryWorker(
            store: store, transport: client, config: config, clock: clock, wake: wake, results: results,
            progress: workerProgress, logger: logger.component("sender"), metrics: metrics)
        let watchers = ingestors.map {
            InboxWatcher(
                ingestor: $0, rescanSeconds: config.rescanSeconds, logger: logger.component("inbox"), progress: progress
            )
        }
        // READY does not wait for the inboxes' first scans (as before the watcher was a service of its own):
        // its heartbeat writes the database markers, one of them in the results folder, at once.
        let inboxServices = watchers.map { InboxService(watcher: $0) }
        let healthService = HealthService(
            store: store, config: config, notifier: SystemdNotifier(), logger: logger.component("health"),
            started: [started]
        ) {
            for watcher in watchers { await watcher.ping() }
            await worker.ping()
            try? status.set(ServiceStateKey.intakeError, health.failure)
            // The sender's loop ticks at least every 30 s; a stale tick means it is wedged.
            return workerProgress.secondsSinceProgress < 100
        }
        var configured: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: worker), .init(service: healthService),
        ]
        configured += inboxServices.map { .init(service: $0) }
        configured += services.map { .init(service: $0) }
        // A stop signal or a caller's stop request ends its service, and the group then shuts down gracefully.
        if let stopSignals {
            configured.append(
                .init(
                    service: StopSignalService(signals: stopSignals, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let stopRequested {
            configured.append(
                .init(
                    service: StopRequestService(stopRequested: stopRequested),
                    successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(services: configured, logger: logger))
        // The HTTP client is shut down once, however the group ended.
        let stopped: Result<Void, any Error>
        do {
            try await group.run()
            stopped = .success(())
        } catch {
            stopped = .failure(error)
        }
        await client.shutdown()
        try stopped.get()
        logger.info("dwt-relay stopped")
    }
}

extension RelayDaemon {
    /// A `PeriodicService` for work of any type (the list holds them as `any PeriodicWork`).
    static func periodicService<C: Clock<Duration>>(_ work: some PeriodicWork, clock: C) -> any Service {
        PeriodicService(work, clock: clock)
    }
}

/// What the daemon built, for a test that runs it in-process.
public struct DaemonAssembly: Sendable {
    /// How many of its loops sleep on its clock when idle: the sender and each periodic service.
    public let loopsOnTheClock: Int
}
