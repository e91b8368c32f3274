import Foundation
import Logging
import ServiceLifecycle

/// Refreshes the cached reference lists daily (hourly retries after a failure). Waits on the injected clock;
/// the cache's age is wall time, as its stored `fetchedAt` is.
public struct ReferenceDataService<ServiceClock: Clock>: Service where ServiceClock.Duration == Duration {
    let store: MovementStore
    let client: ReceiptClient
    let clock: ServiceClock
    let logger: Logger

    public init(store: MovementStore, client: ReceiptClient, clock: ServiceClock, logger: Logger) {
        self.store = store
        self.client = client
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let age = (try? ReferenceDataStore(store: store).cached()).map {
                Date().timeIntervalSince1970 - $0.fetchedAt
            }
            var wait = 86_400 - (age ?? 86_400)
            if wait <= 0 {
                do {
                    try ReferenceDataStore(store: store).save(
                        try await client.fetchReferenceData(), now: Date().timeIntervalSince1970)
                    logger.info("reference data refreshed from the service")
                    wait = 86_400
                } catch {
                    logger.warning(
                        "cannot refresh reference data; using the cached or bundled copy",
                        metadata: ["error": "\(error)"])
                    wait = 3600
                }
            }
            let delay = wait
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: .seconds(delay)) }
            } catch {
                return
            }
        }
    }
}
