import Foundation
import Logging
import ServiceLifecycle

/// Refreshes the cached reference lists daily (hourly retries after a failure) and hands each refresh to
/// `onRefresh` (the intake factory: the next file, request and `submit` check with the new lists). The first
/// wait is what remains of the cache's day, by wall time as its stored `fetchedAt` is; after that the service
/// waits on the injected clock alone, so a test clock moved on a day makes it refresh.
public struct ReferenceDataRefresh: PeriodicWork {
    let store: MovementStore
    let client: ReceiptClient
    let logger: Logger
    let onRefresh: @Sendable (ReferenceData) -> Void

    public init(
        store: MovementStore, client: ReceiptClient, logger: Logger,
        onRefresh: @escaping @Sendable (ReferenceData) -> Void = { _ in }
    ) {
        self.store = store
        self.client = client
        self.logger = logger
        self.onRefresh = onRefresh
    }

    /// What remains of the cached lists' day, by wall time as their stored `fetchedAt` is.
    public func firstDelay() -> Duration {
        let age = (try? ReferenceDataStore(store: store).cached()).map { Date().timeIntervalSince1970 - $0.fetchedAt }
        return .seconds(max(0, 86_400 - (age ?? 86_400)))
    }

    /// A day until the next refresh, an hour after a failure.
    public func tick() async -> Duration? {
        do {
            let lists = try await client.fetchReferenceData()
            let data = try ReferenceData(raw: lists)
            try ReferenceDataStore(store: store).save(lists, now: Date().timeIntervalSince1970)
            onRefresh(data)
            logger.info("reference data refreshed from the service")
            return .seconds(86_400)
        } catch  where Task.isCancelled {
            return nil  // stopping: not a failure of the service
        } catch {
            logger.warning(
                "cannot refresh reference data; using the cached or bundled copy", metadata: ["error": "\(error)"])
            return .seconds(3600)
        }
    }
}
