import Foundation
import Logging
import ServiceLifecycle

/// Refreshes the cached reference lists daily (hourly retries after a failure) and hands each refresh to
/// `onRefresh` (the intake factory: the next file, request and `submit` check with the new lists). The first
/// wait is what remains of the cache's day, by wall time as its stored `fetchedAt` is; after that the service
/// waits on the injected clock alone, so a test clock moved on a day makes it refresh.
public struct ReferenceDataService<ServiceClock: Clock>: Service where ServiceClock.Duration == Duration {
    let store: MovementStore
    let client: ReceiptClient
    let clock: ServiceClock
    let logger: Logger
    let onRefresh: @Sendable (ReferenceData) -> Void

    public init(
        store: MovementStore, client: ReceiptClient, clock: ServiceClock, logger: Logger,
        onRefresh: @escaping @Sendable (ReferenceData) -> Void = { _ in }
    ) {
        self.store = store
        self.client = client
        self.clock = clock
        self.logger = logger
        self.onRefresh = onRefresh
    }

    public func run() async throws {
        let age = (try? ReferenceDataStore(store: store).cached()).map { Date().timeIntervalSince1970 - $0.fetchedAt }
        var wait = max(0, 86_400 - (age ?? 86_400))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if wait > 0 {
                let delay = wait
                do {
                    try await cancelWhenGracefulShutdown { try await clock.sleep(for: .seconds(delay)) }
                } catch {
                    return
                }
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            }
            do {
                let lists = try await client.fetchReferenceData()
                let data = try ReferenceData(raw: lists)
                try ReferenceDataStore(store: store).save(lists, now: Date().timeIntervalSince1970)
                onRefresh(data)
                logger.info("reference data refreshed from the service")
                wait = 86_400
            } catch {
                logger.warning(
                    "cannot refresh reference data; using the cached or bundled copy", metadata: ["error": "\(error)"])
                wait = 3600
            }
        }
    }
}
