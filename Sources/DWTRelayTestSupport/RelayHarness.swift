import DWTRelayCore
import DWTSandbox
import Foundation
import Logging
import Synchronization

/// A daemon in this process against a sandbox on a free port, with a real SQLite file and real spool
/// folders in a temp folder. `run` starts both, hands over, and stops both.
public struct RelayHarness: Sendable {
    public let folder: TemporaryFolder
    public let config: RelayConfig
    public let sandbox: RunningSandbox
    public let logs: LogCapture
    public let store: MovementStore
    /// What the daemon built, as it reports it once its services are assembled.
    let assembly: AssemblyReport

    /// The daemon's loops that wait on its clock, as the daemon counted them when it built its services.
    public var loopsOnTheClock: Int { assembly.value?.loopsOnTheClock ?? 0 }

    public var inbox: String { config.inbox }

    /// Drops a file the way weighbridge software must: write a temp dot-file, then rename.
    public func drop(_ name: String, _ data: Data) throws {
        let temp = inbox + "/." + name + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, inbox + "/" + name) == 0 else { throw POSIXError(.EIO) }
    }

    public func movement(file: String) throws -> Movement? {
        try store.list(limit: 1_000_000).first { $0.sourceFile == file }
    }

    public func allFinal(count: Int) throws -> Bool {
        let movements = try store.list(limit: 1_000_000)
        return movements.count >= count
            && movements.allSatisfy { $0.state.isFinal && ($0.resultWritten || $0.state == .superseded) }
    }

    public func setFaults(_ faults: SandboxFaults) async { await sandbox.state.setFaults(faults) }

    /// Moves the daemon's `TestClock` on by `duration` as real time would pass: to each sleep's deadline in
    /// turn, letting every loop on the clock finish what woke it and sleep again before the next step. Then
    /// sleeps that end within `settleWindow` after the target are let pass too (the sender re-reads the
    /// queue 1 ms after it finds work due, so that rounding can never make it spin). False if the loops do
    /// not settle: one is busy for 30 s of real time, or it keeps setting sleeps inside the window (spins).
    public func advance(_ clock: TestClock, by duration: Duration) async -> Bool {
        let target = clock.now.advanced(by: duration)
        for _ in 0..<1000 {
            guard await eventually(poll: 0.002, { clock.sleeping >= loopsOnTheClock }) else { return false }
            let limit = max(target, clock.now).advanced(by: Self.settleWindow)
            guard let next = clock.nextDeadline, next <= limit else {
                clock.advance(to: target)
                return await eventually(poll: 0.002) { clock.sleeping >= loopsOnTheClock }
            }
            clock.advance(to: next)
        }
        return false
    }

    public static let settleWindow = Duration.milliseconds(10)

    public static let clientSecret = "s3cr3t-for-tests-\(UInt32.random(in: 100_000...999_999))"

    /// Config values for tests: short backoffs, the sandbox's URLs, everything under `folder`.
    public static func configValues(folder: TemporaryFolder, sandbox: RunningSandbox) -> [String: String] {
        [
            "api.base_url": sandbox.baseURL, "api.token_url": sandbox.tokenURL, "api.client_id": "sandbox-client",
            "api.client_secret_file": folder.sub("client-secret"), "api.timeout_seconds": "3",
            "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.results": folder.sub("results"), "paths.state": folder.sub("state"),
            "delivery.backoff_initial_seconds": "0.02", "delivery.backoff_max_seconds": "0.3",
            "delivery.circuit_failures": "1000", "delivery.max_requests_per_second": "0",
            "delivery.payment_probe_seconds": "0.3", "delivery.auth_probe_seconds": "0.3", "http.listen": "off",
            "intake.rescan_seconds": "60", "storage.key_file": folder.sub("storage-key"),
        ]
    }

    /// Runs the daemon in this process against a sandbox. With a `TestClock`, the daemon's delivery
    /// decisions and the sandbox's token expiry both run on it, and time moves only when the test moves it.
    public static func run<T: Sendable>(
        sandbox sandboxConfiguration: SandboxConfiguration = SandboxConfiguration(),
        config overrides: [String: String] = [:], clock: TestClock? = nil,
        _ body: @Sendable (RelayHarness) async throws -> T
    ) async throws -> T {
        var sandboxConfiguration = sandboxConfiguration
        sandboxConfiguration.clientSecret = clientSecret
        if let clock { sandboxConfiguration.seconds = { clock.seconds } }
        let quiet = Logger(label: "sandbox") { _ in SwiftLogNoOpLogHandler() }
        let sandboxConfigurationCopy = sandboxConfiguration
        return try await Sandbox.withRunning(sandboxConfigurationCopy, logger: quiet) { sandbox in
            let folder = TemporaryFolder()
            FileManager.default.createFile(
                atPath: folder.sub("client-secret"), contents: Data(clientSecret.utf8),
                attributes: [.posixPermissions: 0o600])
            var values = configValues(folder: folder, sandbox: sandbox)
            values.merge(overrides) { $1 }
            let config = try RelayConfig(values: values)
            let logs = LogCapture()
            let logger = logs.logger("dwt-relay")
            let store = try MovementStore(
                path: config.databasePath, key: try StorageKey.load(config: config, create: true), logger: logger)
            let assembly = AssemblyReport()
            let harness = RelayHarness(
                folder: folder, config: config, sandbox: sandbox, logs: logs, store: store, assembly: assembly)
            // The daemon is stopped as `systemctl stop` would, not cancelled: cancelling its HTTP server while
            // it has accepted a connection it has not yet served traps in swift-nio (swift-nio#2637).
            let (stops, stop) = AsyncStream<Void>.makeStream()
            let stopRequested: @Sendable () async -> Void = { for await _ in stops { return } }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    if let clock {
                        try await RelayDaemon.run(
                            config: config, clientSecret: clientSecret, logger: logger, handleSignals: false,
                            stopWhen: stopRequested, clock: clock, assembled: assembly.set)
                    } else {
                        try await RelayDaemon.run(
                            config: config, clientSecret: clientSecret, logger: logger, handleSignals: false,
                            stopWhen: stopRequested, assembled: assembly.set)
                    }
                }
                defer { group.cancelAll() }
                let started = await eventually(timeout: 20) {
                    // Ready as systemd hears it: every inbox scanned, the local API bound or reported.
                    assembly.value != nil && logs.all.contains { $0.hasPrefix("info dwt-relay ready") }
                }
                guard started else {
                    stop.finish()
                    throw ConfigError(key: "test", "daemon did not start: \(logs.text)")
                }
                let outcome: Result<T, any Error>
                do { outcome = .success(try await body(harness)) } catch { outcome = .failure(error) }
                stop.finish()
                group.addTask { try await Task.sleep(for: .seconds(30)) }
                _ = try? await group.next()
                return try outcome.get()
            }
        }
    }
}

extension RelayHarness {
    /// A sandbox (quiet, accepting the test secret) and a temp folder holding `secret` (0600): what tests of
    /// the real binary need before they write a config.
    public static func withSandbox<T: Sendable>(
        _ configuration: SandboxConfiguration = SandboxConfiguration(),
        _ body: @Sendable (RunningSandbox, TemporaryFolder) async throws -> T
    ) async throws -> T {
        var configuration = configuration
        configuration.clientSecret = clientSecret
        let quiet = Logger(label: "sandbox") { _ in SwiftLogNoOpLogHandler() }
        let folder = TemporaryFolder()
        FileManager.default.createFile(
            atPath: folder.sub("secret"), contents: Data(clientSecret.utf8), attributes: [.posixPermissions: 0o600])
        let prepared = configuration
        return try await Sandbox.withRunning(prepared, logger: quiet) { sandbox in try await body(sandbox, folder) }
    }
}

/// The daemon's report of what it built, set from its task and read by the test's.
final class AssemblyReport: Sendable {
    private let report = Mutex<DaemonAssembly?>(nil)
    var value: DaemonAssembly? { report.withLock { $0 } }
    @Sendable func set(_ assembly: DaemonAssembly) { report.withLock { $0 = assembly } }
}
