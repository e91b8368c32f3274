import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// Every secret the daemon holds, searched for in everything it and its commands print at `log.level: trace`:
/// swift-service-lifecycle's "Starting service" lines printed each service whole (the API's bearer token,
/// the writers' token, the SMTP password), and `check-config` printed a chat webhook's secret path.
@Suite(.serialized) struct SecretsAtTraceTests {
    @Test func noSecretAppearsInAnyOutputAtTrace() async throws {
        try await RelayHarness.withSandbox(ProcessTests.sandboxConfiguration) { sandbox, folder in
            let port = freeLoopbackPort()
            let apiToken =
                "api-token-"
                + (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }
                .joined()
            let smtpPassword = "smtp-pw-\(UInt32.random(in: 100_000...999_999))-secret"
            let webhookSecret = "XoXb\(UInt32.random(in: 100_000...999_999))HookPath"
            FileManager.default.createFile(
                atPath: folder.sub("api-token"), contents: Data((apiToken + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
            FileManager.default.createFile(
                atPath: folder.sub("smtp"), contents: Data("alerts-user\n\(smtpPassword)\n".utf8),
                attributes: [.posixPermissions: 0o600])
            let config = try ProcessTests.config(
                folder, sandbox: sandbox,
                extra: [
                    "log.level": "trace", "http.listen": "127.0.0.1:\(port)",
                    "http.token_file": folder.sub("api-token"),
                    "alerts.webhook_url": "http://127.0.0.1:9/services/T000/B000/\(webhookSecret)",
                    "alerts.webhook_format": "chat", "alerts.email_to": "office@example.com",
                    "alerts.smtp_server": "127.0.0.1:9", "alerts.smtp_tls": "none",
                    "alerts.smtp_credentials_file": folder.sub("smtp"),
                ])
            let path = try RelayProcess.writeConfig(config, in: folder)
            let daemon = try RelayProcess(["run", "--config", path])
            #expect(await eventually(timeout: 20) { FileManager.default.fileExists(atPath: config.inbox) })
            try TestFixtures.movement(reference: "TRACE-1").write(to: URL(fileURLWithPath: config.inbox + "/t.json"))
            // A refused file too, so that alerts are queued and tried against the unreachable channels.
            try Data("not json".utf8).write(to: URL(fileURLWithPath: config.inbox + "/bad.json"))
            let accepted = await eventually(timeout: 30) {
                let store = try? MovementStore(path: config.databasePath, access: .readOnly)
                return (try? store?.list().first?.state) == .accepted
            }
            #expect(accepted, "\(daemon.errorText.suffix(2000))")
            var outputs: [String] = []
            for command in [["check-config"], ["status", "--json"], ["alert", "test"], ["list", "--json"]] {
                let run = try await RelayProcess.run(command + ["--config", path])
                outputs.append(run.out + run.err)
            }
            try await Task.sleep(for: .seconds(3))  // an alert attempt or two against the dead channels
            daemon.signal(SIGTERM)
            _ = await daemon.wait(timeout: 30)
            let haystack = ([daemon.outputText, daemon.errorText] + outputs).joined(separator: "\n")
            #expect(haystack.contains("Starting service"), "the trace level was on")
            var secrets = [
                "client secret": RelayHarness.clientSecret, "http.token_file": apiToken, "SMTP password": smtpPassword,
                "webhook path": webhookSecret,
            ]
            for (index, token) in await sandbox.state.issuedTokens.enumerated() { secrets["bearer \(index)"] = token }
            #expect(secrets.count > 4, "a bearer token was issued")
            if let writers = try? String(contentsOfFile: config.results + "/.dwt-relay-api-token", encoding: .utf8) {
                secrets["writers' token"] = writers.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            for (name, secret) in secrets {
                #expect(!haystack.contains(secret), "the \(name) appears in the output")
            }
        }
    }
}
