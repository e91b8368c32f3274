import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// systemd stops the daemon with SIGTERM, and may do so at any moment, the first milliseconds included
/// (a `systemctl restart` right after a start). From the daemon's first log line on, a stop must end with
/// exit 0 after a graceful shutdown, never by the signal's default action half-way through start-up.
@Suite(.serialized) struct StopSignalTests {
    @Test(arguments: [0, 1, 3, 10, 30])
    func aStopDuringStartUpIsCarriedOutGracefully(delayMilliseconds: Int) async throws {
        let folder = TemporaryFolder()
        let config = try ProcessTests.config(folder, sandbox: nil)
        let path = try RelayProcess.writeConfig(config, in: folder)
        let daemon = try RelayProcess(["run", "--config", path])
        let deadline = Date().addingTimeInterval(20)
        while !daemon.errorText.contains("dwt-relay starting") && daemon.process.isRunning && Date() < deadline {
            usleep(200)
        }
        usleep(useconds_t(delayMilliseconds * 1000))
        daemon.signal(SIGTERM)
        let status = await daemon.wait()
        #expect(daemon.process.terminationReason == .exit, "ended by the signal: \(daemon.errorText)")
        #expect(status == 0, "\(daemon.errorText)")
        #expect(daemon.errorText.contains("stop requested"))
        #expect(daemon.errorText.contains("dwt-relay stopped"))
    }

    /// A stop while the service does not answer: the first reference-data refresh (and its token request)
    /// is under way and is cut short. It used to run to its timeout, 7 s here with api.timeout_seconds: 10
    /// and up to a minute with the default 60, past systemd's TimeoutStopSec=30 (then SIGKILL).
    @Test func aStopWhileTheServiceDoesNotAnswerEndsAtOnce() async throws {
        let folder = TemporaryFolder()
        let config = try ProcessTests.config(folder, sandbox: nil, extra: ["api.timeout_seconds": "60"])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let daemon = try RelayProcess(["run", "--config", path])
        #expect(await eventually(timeout: 20) { daemon.errorText.contains("dwt-relay ready") }, "\(daemon.errorText)")
        try await Task.sleep(for: .milliseconds(500))
        let stopping = Date()
        daemon.signal(SIGTERM)
        let status = await daemon.wait(timeout: 90)
        let took = Date().timeIntervalSince(stopping)
        #expect(status == 0, "\(daemon.errorText)")
        #expect(took < 3, "stopped in \(took) s")
        #expect(!daemon.errorText.contains("cannot refresh reference data"), "a stop is not the service failing")
    }
}
