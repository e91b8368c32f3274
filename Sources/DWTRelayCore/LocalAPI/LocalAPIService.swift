import Logging
import ServiceLifecycle

/// Runs the local API for the daemon. The API is a convenience beside the inbox, so an address that cannot
/// be bound (taken by another program, say) is not fatal: the daemon keeps taking and delivering movements,
/// `status` turns WARNING naming `http.listen`, and the bind is retried until it succeeds.
struct LocalAPIService: Service {

    let api: LocalAPI
    let store: MovementStore
    /// Opened once the first bind attempt has an answer (bound or failed), for READY=1.
    let started: OneShotGate
    let retrySeconds: Double
    let logger: Logger

    func run() async throws {
        let listen = api.config.httpListen ?? ""
        var reportedFailure = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let wasDown = reportedFailure
            let application = try api.makeApplication { _ in
                try? ServiceStatusStore(store: store).set(ServiceStateKey.httpError, nil)
                if wasDown {
                    logger.notice("local API listening again", metadata: ["http.listen": "\(listen)"])
                }
                started.open()
            }
            do {
                try await application.run()
                return
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try? ServiceStatusStore(store: store).set(
                    ServiceStateKey.httpError, "cannot listen on \(listen): \(error)")
                if !reportedFailure {
                    logger.error(
                        "local API cannot listen; movements are still taken from the inbox and delivered",
                        metadata: [
                            "http.listen": "\(listen)", "error": "\(error)",
                            "retry.seconds": "\(retrySeconds)",
                        ])
                    reportedFailure = true
                }
                started.open()
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(retrySeconds * 1000)))
            }
        }
    }
}
