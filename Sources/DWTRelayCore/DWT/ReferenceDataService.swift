import Foundation
import Logging
import ServiceLifecycle

/// Refreshes the cached reference lists daily (hourly retries after a failure).
public struct ReferenceDataService: Service {
    let store: MovementStore
    let client: ReceiptClient
    let logger: Logger

    public init(store: MovementStore, client: ReceiptClient, logger: Logger) {
        self.store = store
        self.client = client
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
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
            } catch {
                return
            }
        }
    }
}
