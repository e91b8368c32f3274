import Logging
import ServiceLifecycle

/// Runs the inbox watcher for the life of the daemon (started before READY, stopped on shutdown).
public struct InboxService: Service {
    let watcher: InboxWatcher

    public init(watcher: InboxWatcher) { self.watcher = watcher }

    public func run() async throws {
        try? await gracefulShutdown()
        watcher.stop()
    }
}
