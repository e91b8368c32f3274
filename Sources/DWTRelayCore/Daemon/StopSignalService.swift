import Logging
import ServiceLifecycle
import UnixSignals

/// SIGTERM and SIGINT, trapped from the first moment of `RelayDaemon.run` rather than from when the
/// `ServiceGroup` starts: a stop that arrives during start-up (opening the store, creating folders, binding
/// the local API) is kept and carried out gracefully once the services are up, instead of the signal's
/// default action ending the process mid-way. The service ends at the first signal, and the group, told to
/// shut down gracefully when it ends, stops every other service in reverse order.
struct StopSignalService: Service {
    let signals: UnixSignalsSequence
    let logger: Logger

    /// Traps the signals now (their default action is replaced at once; they are queued until `run`).
    static func trap() async -> UnixSignalsSequence { await UnixSignalsSequence(trapping: .sigterm, .sigint) }

    func run() async throws {
        for await signal in signals.cancelOnGracefulShutdown() {
            logger.notice("stop requested; shutting down gracefully", metadata: ["signal": "\(signal)"])
            return
        }
    }
}

/// Ends when its caller asks the daemon to stop (the demo, at Ctrl-C once the office page is up), so the
/// group shuts down gracefully, as on SIGTERM, instead of being cancelled mid-request.
struct StopRequestService: Service {
    let stopRequested: @Sendable () async -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { await stopRequested() }
    }
}
