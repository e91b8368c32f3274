import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Logging
import Testing

/// The real binary as operators and systemd run it: exit codes, concurrent writers, SIGKILL, sd_notify.
@Suite(.serialized) struct ProcessTests {
    static func config(_ folder: TemporaryFolder, sandbox: RunningSandbox?, extra: [String: String] = [:]) throws
        -> RelayConfig
    {
        FileManager.default.createFile(
            atPath: folder.sub("client-secret"), contents: Data(RelayHarness.clientSecret.utf8),
            attributes: [.posixPermissions: 0o600])
        var values: [String: String] = [
            "api.base_url": sandbox?.baseURL ?? "http://127.0.0.1:9",
            "api.token_url": (sandbox?.tokenURL ?? "http://127.0.0.1:9/oauth2/token"),
            "api.client_id": "sandbox-client", "api.client_secret_file": folder.sub("client-secret"),
            "api.timeout_seconds": "10", "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.results": folder.sub("results"), "paths.state": folder.sub("state"),
            "delivery.backoff_initial_seconds": "0.02", "delivery.backoff_max_seconds": "0.2",
            "delivery.circuit_failures": "1000", "delivery.max_requests_per_second": "0", "http.listen": "off",
            "log.level": "info", "storage.key_file": folder.sub("storage-key"),
        ]
        values.merge(extra) { $1 }
        return try RelayConfig(values: values)
    }

    static var sandboxConfiguration: SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.clientSecret = RelayHarness.clientSecret
        return configuration
    }

    static let quiet = Logger(label: "sandbox") { _ in SwiftLogNoOpLogHandler() }

    func startDaemon(_ configPath: String, environment: [String: String] = [:]) async throws -> RelayProcess {
        let daemon = try RelayProcess(["run", "--config", configPath], environment: environment)
        return daemon
    }

    func waitRunning(_ config: RelayConfig) async -> Bool {
        await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true }
    }

    @Test func statusExitCodesFollowTheMonitoringConvention() async throws {
        let folder = TemporaryFolder()
        let config = try Self.config(folder, sandbox: nil, extra: ["status.pending_warning_seconds": "1"])
        let path = try RelayProcess.writeConfig(config, in: folder)
        // Nothing running: CRITICAL.
        let down = try await RelayProcess.run(["status", "--config", path])
        #expect(down.status == 2, "\(down.out)")
        #expect(down.out.contains("daemon is not running"))
        // A state folder that is a file: UNKNOWN.
        FileManager.default.createFile(atPath: folder.sub("not-a-folder"), contents: Data())
        var broken = config
        try broken.set("paths.state", folder.sub("not-a-folder"), origin: "test")
        let brokenPath = try RelayProcess.writeConfig(broken, in: folder, name: "broken.yaml")
        let unknown = try await RelayProcess.run(["status", "--json", "--config", brokenPath])
        #expect(unknown.status == 3)
        #expect(unknown.out.contains("\"health\" : \"UNKNOWN\""))
        // Running, service unreachable, a movement pending past the warning age: WARNING.
        try await Sandbox.withRunning(Self.sandboxConfiguration, logger: Self.quiet) { sandbox in
            let live = try Self.config(folder, sandbox: sandbox, extra: ["status.pending_warning_seconds": "1"])
            let livePath = try RelayProcess.writeConfig(live, in: folder, name: "live.yaml")
            let daemon = try await startDaemon(livePath)
            #expect(await waitRunning(live))
            let ok = try await RelayProcess.run(["status", "--json", "--config", livePath])
            #expect(ok.status == 0, "\(ok.out)")
            let json = try JSONSerialization.jsonObject(with: Data(ok.out.utf8)) as! [String: Any]
            #expect((json["daemon"] as? [String: Any])?["running"] as? Bool == true)
            await sandbox.state.setFaults(
                {
                    var f = SandboxFaults(); f.errorRate = 1; return f
                }())
            try TestFixtures.movement(reference: "LATE-1").write(to: URL(fileURLWithPath: folder.sub("late.json")))
            let submitted = try await RelayProcess.run(["submit", "--config", livePath, folder.sub("late.json")])
            #expect(submitted.status == 0)
            try await Task.sleep(for: .milliseconds(1500))
            let warning = try await RelayProcess.run(["status", "--config", livePath])
            #expect(warning.status == 1, "\(warning.out)")
            #expect(warning.out.contains("oldest pending movement"))
            daemon.signal(SIGTERM)
            #expect(await daemon.wait() == 0)
        }
    }

    @Test func submitAndDaemonWriteAtTheSameTime() async throws {
        let folder = TemporaryFolder()
        try await Sandbox.withRunning(Self.sandboxConfiguration, logger: Self.quiet) { sandbox in
            let config = try Self.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            let daemon = try await startDaemon(path)
            #expect(await waitRunning(config))
            let staging = folder.sub("staging")
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            var submitPaths: [String] = []
            for index in 0..<40 {
                try TestFixtures.movement(reference: "INBOX-\(index)").write(
                    to: URL(fileURLWithPath: staging + "/in\(index).json"))
                let submitPath = staging + "/sub\(index).json"
                try TestFixtures.movement(reference: "SUBMIT-\(index)").write(to: URL(fileURLWithPath: submitPath))
                submitPaths.append(submitPath)
            }
            async let submits: [Int32] = withThrowingTaskGroup(of: Int32.self) { group in
                for chunk in stride(from: 0, to: 40, by: 10) {
                    let paths = Array(submitPaths[chunk..<chunk + 10])
                    group.addTask { try await RelayProcess.run(["submit", "--config", path] + paths).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for index in 0..<40 { rename(staging + "/in\(index).json", config.inbox + "/in\(index).json") }
            #expect(try await submits == [0, 0, 0, 0])
            let store = try MovementStore(
                path: config.databasePath, key: try StorageKey.load(config: config, create: true))
            #expect(await eventually(timeout: 60) { (try? store.counts()[.accepted]) == 80 })
            let movements = try store.list()
            #expect(movements.count == 80)
            #expect(Set(movements.compactMap(\.yourUniqueReference)).count == 80)
            #expect(await sandbox.state.listing().count == 80)
            daemon.signal(SIGTERM)
            #expect(await daemon.wait() == 0)
        }
    }

    /// Kill the daemon with SIGKILL at random moments while files arrive and deliveries run; after
    /// restarts nothing is lost, nothing is stored twice, and any duplicate at the service is flagged.
    @Test func sigkillNeverLosesOrDuplicatesAMovement() async throws {
        let folder = TemporaryFolder()
        var sandboxConfiguration = Self.sandboxConfiguration
        sandboxConfiguration.faults.latencyMs = 5
        sandboxConfiguration.faults.errorRate = 0.2
        try await Sandbox.withRunning(sandboxConfiguration, logger: Self.quiet) { sandbox in
            let config = try Self.config(folder, sandbox: sandbox, extra: ["delivery.concurrency": "4"])
            let path = try RelayProcess.writeConfig(config, in: folder)
            try FileManager.default.createDirectory(atPath: config.inbox, withIntermediateDirectories: true)
            let staging = folder.sub("staging")
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            let total = 240
            let kills = Int(ProcessInfo.processInfo.environment["DWT_RELAY_TEST_KILLS"] ?? "") ?? 12
            var next = 0
            for round in 0..<kills {
                let daemon = try await startDaemon(path)
                let batch = min(total - next, max(1, total / kills + 1))
                for _ in 0..<batch where next < total {
                    let name = "crash-\(next).json"
                    try TestFixtures.movement(reference: "CRASH-\(next)").write(
                        to: URL(fileURLWithPath: staging + "/" + name))
                    rename(staging + "/" + name, config.inbox + "/" + name)
                    next += 1
                }
                try await Task.sleep(for: .milliseconds(Int64.random(in: 20...(round % 3 == 0 ? 400 : 120))))
                daemon.signal(SIGKILL)
                _ = await daemon.wait()
            }
            while next < total {
                let name = "crash-\(next).json"
                try TestFixtures.movement(reference: "CRASH-\(next)").write(
                    to: URL(fileURLWithPath: staging + "/" + name))
                rename(staging + "/" + name, config.inbox + "/" + name)
                next += 1
            }
            await sandbox.state.setFaults(SandboxFaults())
            let daemon = try await startDaemon(path)
            let store = try MovementStore(
                path: config.databasePath, key: try StorageKey.load(config: config, create: true))
            #expect(await eventually(timeout: 90) { (try? store.counts()[.accepted]) == total })
            daemon.signal(SIGTERM)
            #expect(await daemon.wait() == 0)

            let movements = try store.list(limit: 10_000)
            let inboxLeft = try FileManager.default.contentsOfDirectory(atPath: config.inbox)
            let failed = (try? FileManager.default.contentsOfDirectory(atPath: config.failed)) ?? []
            #expect(inboxLeft.isEmpty, "files left in the inbox: \(inboxLeft)")
            #expect(failed.isEmpty)
            #expect(movements.count == total, "each file stored exactly once")
            #expect(Set(movements.compactMap(\.sourceFile)).count == total)
            #expect(try store.integrityCheck() == "ok")
            let listing = await sandbox.state.listing()
            var byReference: [String: Int] = [:]
            for stored in listing { byReference[stored.yourUniqueReference ?? "", default: 0] += 1 }
            let flagged = Set(movements.filter(\.possibleDuplicate).compactMap(\.yourUniqueReference))
            let duplicated = Set(byReference.filter { $0.value > 1 }.keys)
            #expect(byReference.count == total, "every movement reached the service")
            #expect(duplicated.isSubset(of: flagged), "unflagged duplicates: \(duplicated.subtracting(flagged))")
            print(
                "crash test: kills=\(kills) movements=\(total) lost=\(total - byReference.count) duplicatesFlagged=\(flagged.count) duplicatesAtService=\(duplicated.count) unflaggedDuplicates=\(duplicated.subtracting(flagged).count)"
            )
        }
    }

    @Test func systemdNotifySeesReadyStatusWatchdogAndStopping() async throws {
        let folder = TemporaryFolder()
        let socketPath = folder.sub("notify.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try await Sandbox.withRunning(Self.sandboxConfiguration, logger: Self.quiet) { sandbox in
            let config = try Self.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            let daemon = try RelayProcess(
                ["run", "--config", path], environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "1000000"])
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(20)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline && !messages.contains(where: { $0.contains("WATCHDOG=1") }) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            daemon.signal(SIGTERM)
            while Date() < deadline && !messages.contains(where: { $0.contains("STOPPING=1") }) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            #expect(await daemon.wait() == 0)
            let ready = messages.firstIndex { $0.contains("READY=1") }
            let watchdog = messages.firstIndex { $0.contains("WATCHDOG=1") }
            let stopping = messages.firstIndex { $0.contains("STOPPING=1") }
            #expect(ready != nil && watchdog != nil && stopping != nil, "\(messages)")
            if let ready, let watchdog, let stopping { #expect(ready < watchdog && watchdog < stopping) }
            #expect(messages.contains { $0.contains("STATUS=OK: 0 queued") }, "\(messages)")
        }
    }

    @Test func demoEndsWithEveryExampleInItsRightState() async throws {
        let demo = try await RelayProcess.run(["demo", "--examples", TestFixtures.examplesFolder])
        #expect(demo.status == 0, "\(demo.out)\n\(demo.err)")
        #expect(demo.out.contains("failed (local)"))
        #expect(demo.out.contains("rejected"))
        #expect(demo.out.contains("(PUT: revision)"))
        #expect(demo.out.contains("(1 warning)"))
    }

    @Test func secondDaemonOnTheSameStateIsRefused() async throws {
        let folder = TemporaryFolder()
        try await Sandbox.withRunning(Self.sandboxConfiguration, logger: Self.quiet) { sandbox in
            let config = try Self.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            let first = try await startDaemon(path)
            #expect(await waitRunning(config))
            let second = try await RelayProcess.run(["run", "--config", path])
            #expect(second.status != 0)
            #expect(second.err.contains("another dwt-relay daemon is already running"))
            // SIGTERM once the first is up (its services run and trap the signal): sent during the start-up
            // I/O, before that, it ends the process by the signal, which systemd counts as a clean stop.
            #expect(await eventually(timeout: 20) { first.errorText.contains("dwt-relay ready") })
            first.signal(SIGTERM)
            #expect(await first.wait() == 0)
        }
    }

    @Test func missingClientIDIsAClearStartupError() async throws {
        let folder = TemporaryFolder()
        // A readable secret, so that the missing client id is the only thing wrong.
        FileManager.default.createFile(
            atPath: folder.sub("secret"), contents: Data("s3cr3t".utf8), attributes: [.posixPermissions: 0o600])
        try """
        api:
          client_secret_file: \(folder.sub("secret"))
        paths:
          state: \(folder.sub("state"))
          inbox: \(folder.sub("inbox"))
          failed: \(folder.sub("failed"))
          results: \(folder.sub("results"))
        storage:
          key_file: \(folder.sub("key"))
        http:
          listen: null
        """.write(toFile: folder.sub("c.yaml"), atomically: true, encoding: .utf8)
        let run = try await RelayProcess.run(["run", "--config", folder.sub("c.yaml")])
        #expect(run.status == 78)
        #expect(run.err.contains("api.client_id"), "\(run.err)")
        #expect(!run.err.contains("api.client_secret_file"))
    }
}
