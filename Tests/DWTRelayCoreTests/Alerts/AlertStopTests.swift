import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// A stop while an alert channel hangs: the daemon exits well inside the unit's TimeoutStopSec=30s (it held
/// SIGTERM for 54 s, so every stop during a mail server's outage ended in SIGKILL), and the alert stays queued.
@Suite(.serialized) struct AlertStopTests {
    /// A server that takes connections (the kernel completes the handshake) and never says a word.
    final class SilentServer: @unchecked Sendable {
        let fd: Int32
        let port: Int
        var accepted: [Int32] = []

        init() {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            listen(fd, 16)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// True once a client has connected (the connection is kept open and silent).
        func takeConnection() -> Bool {
            let client = accept(fd, nil, nil)
            if client >= 0 { accepted.append(client) }
            return !accepted.isEmpty
        }

        deinit {
            for client in accepted { close(client) }
            close(fd)
        }
    }

    @Test(arguments: ["webhook", "smtp"])
    func aStopWhileAnAlertChannelHangsEndsWithinTheStopBudget(channel: String) async throws {
        let folder = TemporaryFolder()
        let silent = SilentServer()
        var extra = ["alerts.site_label": "Hung yard"]
        if channel == "webhook" {
            extra["alerts.webhook_url"] = "http://127.0.0.1:\(silent.port)/hook"
        } else {
            extra["alerts.email_to"] = "office@example.com"
            extra["alerts.smtp_server"] = "127.0.0.1:\(silent.port)"
        }
        let config = try ProcessTests.config(folder, sandbox: nil, extra: extra)
        // An open refusal: the first pass finds the status not OK and queues an alert at once.
        let store = try MovementStore(
            path: config.databasePath, key: try StorageKey.load(config: config, create: true))
        _ = try RefusalStore(store: store).record(
            Refusal(
                site: nil, sourceFile: "ticket.json", failedPath: nil, reason: "not JSON", field: nil,
                refusedAt: Date().timeIntervalSince1970, deadlineAt: Date().timeIntervalSince1970 + 86_400))
        let path = try RelayProcess.writeConfig(config, in: folder)
        let daemon = try RelayProcess(["run", "--config", path])
        #expect(await eventually(timeout: 20) { silent.takeConnection() }, "the alert went to the silent server")
        try await Task.sleep(for: .milliseconds(300))
        let stopping = Date()
        daemon.signal(SIGTERM)
        let status = await daemon.wait(timeout: 40)
        let took = Date().timeIntervalSince(stopping)
        #expect(status == 0, "\(daemon.errorText)")
        #expect(took < 5, "stopped in \(took) s with the \(channel) hung")
        let queued = try AlertStore(store: store).all().filter { $0.sentAt == nil }
        #expect(!queued.isEmpty, "the alert stays queued for after the restart")
    }
}
