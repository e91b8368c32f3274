import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Glibc
import Testing

/// Start-up as systemd sees it, through the real binary: a config error stops with EX_CONFIG (which the
/// unit does not restart), and a local API address that is taken does not stop deliveries.
@Suite(.serialized) struct StartupTests {
    @Test func configErrorExitsWithEXCONFIGNamingTheKey() async throws {
        let folder = TemporaryFolder()
        let path = folder.sub("bad.yaml")
        try "delivery:\n  backoff_max_seconds: \"soon\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await RelayProcess.run(["run", "--config", path])
        #expect(result.status == 78)
        #expect(result.err.contains("delivery.backoff_max_seconds"), "\(result.err)")
        #expect(result.err.contains("soon"), "the bad value is shown: \(result.err)")
    }

    @Test func theUnitsMissingFileMarkerIsNamedAsAMissingFile() throws {
        // systemd hands the unit's SetCredential= fallback over when the LoadCredential= file is missing.
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.sub("creds"), withIntermediateDirectories: true)
        for name in ["client-secret", "storage-key"] {
            FileManager.default.createFile(
                atPath: folder.sub("creds/" + name), contents: Data(RelayConfig.missingCredentialMarker.utf8),
                attributes: [.posixPermissions: 0o400])
        }
        let config = try RelayConfig(values: ["storage.key_file": folder.sub("key")])
        let environment = ["CREDENTIALS_DIRECTORY": folder.sub("creds")]
        #expect(throws: ConfigError.self) { try config.readClientSecret(environment: environment) }
        do {
            _ = try config.readClientSecret(environment: environment)
        } catch {
            #expect("\(error)".contains("/etc/dwt-relay/client-secret") && "\(error)".contains("missing"))
        }
        do {
            _ = try StorageKey.load(config: config, create: true, environment: environment)
            Issue.record("a missing storage key must not be replaced by a new one")
        } catch {
            #expect("\(error)".contains("/etc/dwt-relay/storage-key") && "\(error)".contains("missing"))
        }
    }

    @Test func httpListenNullDisablesTheLocalAPI() throws {
        let folder = TemporaryFolder()
        let path = folder.sub("null.yaml")
        try "http:\n  listen: null\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try RelayConfig.load(path: path, mustExist: true, environment: [:]).httpListen == nil)
        try "http:\n  listen: 127.0.0.1:9999\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try RelayConfig.load(path: path, mustExist: true, environment: [:]).httpListen == "127.0.0.1:9999")
    }

    @Test func takenListenAddressIsAWarningWhileMovementsStillFlow() async throws {
        let (listener, port) = try Self.occupyLoopbackPort()
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try ProcessTests.config(folder, sandbox: sandbox, extra: ["http.listen": "127.0.0.1:\(port)"])
            let path = try RelayProcess.writeConfig(config, in: folder)
            let daemon = try RelayProcess(["run", "--config", path])
            defer { daemon.signal(SIGKILL) }
            #expect(
                await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true })
            try TestFixtures.movement(reference: "BIND-1").write(to: URL(fileURLWithPath: folder.sub("b.json")))
            #expect(try await RelayProcess.run(["submit", "--config", path, folder.sub("b.json")]).status == 0)
            #expect(await eventually { await sandbox.state.listing().count == 1 }, "delivered without the API")
            let warned = await eventually(timeout: 20) {
                let status = try? await RelayProcess.run(["status", "--config", path])
                return status?.status == 1 && status?.out.contains("http.listen") == true
                    && status?.out.contains("127.0.0.1:\(port)") == true
            }
            #expect(warned, "status names http.listen and the address while it cannot bind")
            #expect(daemon.process.isRunning, "the daemon does not exit")
            close(listener)
            let recovered = await eventually(timeout: 30) {
                (try? await RelayProcess.run(["status", "--config", path]))?.status == 0
            }
            #expect(recovered, "the bind is retried and status returns to OK")
            daemon.signal(SIGTERM)
            #expect(await daemon.wait() == 0)
        }
    }

    @Test func refusedCredentialsAreCriticalBeforeAnyLoadArrives() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try ProcessTests.config(folder, sandbox: sandbox)
            try Data("not-the-secret".utf8).write(to: URL(fileURLWithPath: folder.sub("client-secret")))
            let path = try RelayProcess.writeConfig(config, in: folder)
            let daemon = try RelayProcess(["run", "--config", path])
            defer { daemon.signal(SIGKILL) }
            let critical = await eventually(timeout: 20) {
                let status = try? await RelayProcess.run(["status", "--config", path])
                return status?.status == 2 && status?.out.contains("refuses the credentials") == true
            }
            #expect(critical, "a wrong secret is CRITICAL with no movement stored")
            #expect(await sandbox.state.movementRequests == 0)
        }
    }

    /// A listening TCP socket on a free loopback port, as another program holding the address would have.
    static func occupyLoopbackPort() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// The daemon outlives its stderr: journald restarting closes the stream under a running service, and
/// systemd ignores SIGPIPE for services, so each log line then fails with EPIPE. FileHandle trapped on it.
@Suite struct LostStandardErrorTests {
    @Test func theDaemonKeepsDeliveringWhenItsStandardErrorGoesAway() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try ProcessTests.config(folder, sandbox: sandbox)
            let path = try RelayProcess.writeConfig(config, in: folder)
            // As under systemd: SIGPIPE ignored, stderr a stream whose reader goes away after the first bytes.
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = [
                "-c", "trap '' PIPE; exec \"$0\" run --config \"$1\" 2>&1 | head -c 1 >/dev/null",
                TestFixtures.binary,
                path,
            ]
            try shell.run()
            defer { shell.terminate() }
            #expect(await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true })
            for index in 0..<3 {
                try TestFixtures.movement(reference: "STDERR-\(index)").write(
                    to: URL(fileURLWithPath: folder.sub("s\(index).json")))
                #expect(
                    try await RelayProcess.run(["submit", "--config", path, folder.sub("s\(index).json")]).status == 0)
            }
            #expect(
                await eventually(timeout: 20) { await sandbox.state.listing().count == 3 },
                "delivered after its log lines started failing")
            #expect(DaemonLock.isHeld(stateDirectory: config.stateDirectory) == true, "still running")
            // The service holds the third before the daemon has recorded its answer: wait for the record.
            @Sendable func report() async throws -> [String: Any]? {
                let status = try await RelayProcess.run(["status", "--json", "--config", path])
                return try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any]
            }
            let recorded = await eventually(timeout: 20) {
                (try? await report()).flatMap { $0["counts"] as? [String: Int] }?["accepted"] == 3
            }
            let last = try await report()
            #expect(recorded, "\(last ?? [:])")
            // Not our child (the shell's): stopped through the pid it reports, as an operator would.
            let pid = try #require((last?["daemon"] as? [String: Any])?["pid"] as? Int)
            #expect(kill(pid_t(pid), SIGTERM) == 0)
            #expect(await eventually(timeout: 20) { DaemonLock.isHeld(stateDirectory: config.stateDirectory) != true })
        }
    }
}
