import Dispatch
import Logging
import ServiceLifecycle

/// The inbox watcher for the life of the daemon, started and stopped in its own `run()`: the watch and the
/// start-up scan first, then it runs until the group shuts down, then it stops (a commit under way finishes
/// first).
public struct InboxService: Service {
    let watcher: InboxWatcher

    public init(watcher: InboxWatcher) { self.watcher = watcher }

    public func run() async throws {
        // The start-up scan can take a while with a full inbox: off the cooperative pool.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { [watcher] in continuation.resume(with: Result { try watcher.start() }) }
        }
        try? await gracefulShutdown()
        watcher.stop()
    }
}
