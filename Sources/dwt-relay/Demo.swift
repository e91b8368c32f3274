import DWTRelayCore
import DWTSandbox
import Foundation
import Logging
import UnixSignals

/// The `demo` scenario: a temporary workspace, the sandbox on a free port, the daemon against it, and
/// movement files dropped into the inbox the way weighbridge software would (write, then rename).
struct Demo: Sendable {
    let workspace: String
    let files: [(name: String, data: Data)]
    let faults: Bool
    let timeout: Double
    /// Serve the office page (on a free loopback port) until Ctrl-C once the loads have settled.
    let serve: Bool

    init(examplesFolder: String?, faults: Bool, timeout: Double, serve: Bool = false) throws {
        var template = Array(
            ((NSTemporaryDirectory() as NSString).appendingPathComponent("dwt-relay-demo.XXXXXX")).utf8CString)
        guard let made = mkdtemp(&template) else { throw ConfigError(key: "demo", "cannot create a temporary folder") }
        workspace = String(cString: made)
        files = try DemoExamples.load(folder: examplesFolder)
        self.faults = faults
        self.timeout = timeout
        self.serve = serve
    }

    func run() async throws -> Bool {
        var configured = SandboxConfiguration()
        if faults {
            var injected = SandboxFaults()
            injected.errorRate = 0.3
            injected.rateLimitBurst = 3
            injected.retryAfterSeconds = 1
            injected.dropAfterStoreRate = 0.1
            injected.latencyMs = 30
            configured.faults = injected
        }
        let logger = Logger(label: "dwt-relay.demo")
        let sandboxConfiguration = configured
        var sandboxLogger = Logger(label: "dwt-relay.sandbox")
        sandboxLogger.logLevel = .critical
        return try await Sandbox.withRunning(sandboxConfiguration, logger: sandboxLogger) { sandbox in
            let secretPath = workspace + "/client-secret"
            FileManager.default.createFile(
                atPath: secretPath, contents: Data(sandboxConfiguration.clientSecret.utf8),
                attributes: [.posixPermissions: 0o600])
            let mappingPath = workspace + "/weighbridge-columns.yaml"
            let defaultsPath = workspace + "/site-defaults.yaml"
            try DemoWeighbridgeExport.mapping.write(toFile: mappingPath, atomically: true, encoding: .utf8)
            try DemoWeighbridgeExport.siteDefaults.write(toFile: defaultsPath, atomically: true, encoding: .utf8)
            let config = try RelayConfig(values: [
                "api.base_url": sandbox.baseURL, "api.token_url": sandbox.tokenURL,
                "api.client_id": sandboxConfiguration.clientID, "api.client_secret_file": secretPath,
                "paths.inbox": workspace + "/inbox", "paths.failed": workspace + "/failed",
                "paths.results": workspace + "/results", "paths.state": workspace + "/state",
                "delivery.backoff_initial_seconds": "0.2", "delivery.backoff_max_seconds": "2",
                "delivery.circuit_failures": "20", "storage.key_file": workspace + "/storage-key",
                "http.listen": serve ? "127.0.0.1:\(try Self.freeLoopbackPort())" : "off",
                "site.api_code": DemoWeighbridgeExport.apiCode, "site.defaults_file": defaultsPath,
                "intake.mapping_file": mappingPath,
            ])
            let configPath = workspace + "/dwt-relay.yaml"
            try config.renderYAML().write(toFile: configPath, atomically: true, encoding: .utf8)
            print("dwt-relay demo")
            print("  sandbox DWT API: \(sandbox.baseURL)\(faults ? " (flaky: 30% errors, 429s, lost answers)" : "")")
            print("  workspace:       \(workspace)")
            print("  dropping \(files.count - 1) movement files and a weighbridge CSV export into \(config.inbox)")
            print(DemoExamples.rebaseNote + " ...\n")
            // At Ctrl-C the daemon is stopped as systemd stops it (gracefully), not cancelled mid-request.
            let stop = OneShotGate()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await RelayDaemon.run(
                        config: config, clientSecret: sandboxConfiguration.clientSecret, logger: logger,
                        handleSignals: false, stopWhen: { await stop.wait() })
                }
                defer { group.cancelAll() }
                try await waitForDaemon(config)
                let ok = try await dropAndWait(config)
                if serve, let listen = config.httpListen {
                    print("\noffice page: http://\(listen)/   (Ctrl-C stops the demo; the workspace stays)")
                    print(
                        "  it shows counts and states to anyone; to see each load and act, sign in with the office "
                            + "token in \(config.results)/.dwt-relay-api-token")
                    fflush(nil)  // a script waiting for the address reads it through a pipe
                    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
                    stop.open()
                    try await group.next()
                }
                return ok
            }
        }
    }

    /// A loopback port free a moment ago, for the office page.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw ConfigError(key: "demo", "no free loopback port for the office page") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func waitForDaemon(_ config: RelayConfig) async throws {
        let deadline = Date().addingTimeInterval(30)
        while DaemonLock.isHeld(stateDirectory: config.stateDirectory) != true
            || !FileManager.default.fileExists(atPath: config.inbox)
        {
            guard Date() < deadline else { throw ConfigError(key: "demo", "the daemon did not start") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func drop(_ name: String, _ data: Data, into inbox: String) throws {
        let temp = inbox + "/" + name + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, inbox + "/" + name) == 0 else { throw ConfigError(key: "demo", "cannot rename \(temp)") }
    }

    private func dropAndWait(_ config: RelayConfig) async throws -> Bool {
        let store = try MovementStore(
            path: config.databasePath, key: try StorageKey.load(config: config, create: true))
        let started = Date()
        let (firsts, revisions) = (
            files.filter { !$0.name.contains("revision") }, files.filter { $0.name.contains("revision") }
        )
        for file in firsts { try drop(file.name, file.data, into: config.inbox) }
        var revisionsDropped = revisions.isEmpty
        while true {
            let rows = try outcomes(config, store: store)
            let pending = rows.filter { !$0.final }
            let originals = rows.filter { $0.name.hasPrefix("demo-original") }
            if !revisionsDropped && !originals.isEmpty && originals.allSatisfy(\.final) {
                for file in revisions { try drop(file.name, file.data, into: config.inbox) }
                revisionsDropped = true
            } else if revisionsDropped && pending.isEmpty
                && rows.count == files.count - 1 + DemoWeighbridgeExport.expected.count
            {
                printTable(rows, seconds: Date().timeIntervalSince(started), config: config)
                return rows.allSatisfy { $0.asExpected }
            }
            if Date().timeIntervalSince(started) > timeout {
                printTable(rows, seconds: timeout, config: config)
                print("\ntimed out with \(pending.count) movement(s) not final")
                return false
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    struct Row {
        var name: String
        var state: String
        var detail: String
        var final: Bool
        var asExpected: Bool
    }

    private func outcomes(_ config: RelayConfig, store: MovementStore) throws -> [Row] {
        let movements = try store.list(limit: 10_000)
        let refusals = try RefusalStore(store: store).list()
        var rows: [Row] = []
        let expectations =
            files.filter { !InboxIngestor.isCSV($0.name) }.map { ($0.name, DemoExamples.expectedState($0.name)) }
            + DemoWeighbridgeExport.expected
        for (name, expected) in expectations {
            if let movement = try movements.first(where: { $0.sourceFile == name }).map(store.decrypted) {
                let final = movement.state == .superseded || (movement.state.isFinal && movement.resultWritten)
                var detail = movement.wasteTrackingId ?? "-"
                let result = MovementResult(movement)
                if movement.state == .rejected, case .array(let errors) = result.errors,
                    case .object(let first) = errors.first
                {
                    detail = "\(first["key"]?.text ?? ""): \(first["message"]?.text ?? "")"
                } else if movement.state == .accepted {
                    if movement.kind == .put { detail += " (PUT: revision)" }
                    if case .array(let warnings) = result.warnings, !warnings.isEmpty {
                        detail += " (\(warnings.count) warning\(warnings.count == 1 ? "" : "s"))"
                    }
                    if movement.possibleDuplicate { detail += " (possible duplicate)" }
                } else if !movement.state.isFinal {
                    detail = movement.lastError.map { "retrying: \($0)" } ?? "in progress"
                }
                rows.append(
                    Row(
                        name: name, state: movement.state.rawValue, detail: detail, final: final,
                        asExpected: movement.state.rawValue == expected))
            } else if let refusal = try refusals.first(where: { $0.sourceFile == name }) {
                // A CSV row's reason names its row and column already.
                let field = refusal.csvRow == nil ? refusal.field.map { "\($0): " } ?? "" : ""
                rows.append(
                    Row(
                        name: name, state: "failed (local)", detail: field + refusal.reason, final: true,
                        asExpected: expected == "failed"))
            }
        }
        return rows
    }

    private func printTable(_ rows: [Row], seconds: Double, config: RelayConfig) {
        let width = max(4, rows.map(\.name.count).max() ?? 4)
        func pad(_ text: String, _ count: Int) -> String { text.padding(toLength: count, withPad: " ", startingAt: 0) }
        print(pad("FILE", width) + "  " + pad("STATE", 15) + "  WASTE TRACKING ID / FIRST ERROR")
        for row in rows {
            print(pad(row.name, width) + "  " + pad(row.state, 15) + "  " + row.detail)
        }
        print(String(format: "\n%d movements settled in %.1f s.", rows.count, seconds))
        print("  result files: \(config.results)/*.result.json")
        print("  refused files: \(config.failed)/ (each with NAME.error.json)")
        print("  with --keep, inspect it: dwt-relay list --config \(workspace)/dwt-relay.yaml")
    }
}
