import Foundation
import Logging
import ServiceLifecycle

/// Applies the spool retention rules at start and then hourly (run by a `PeriodicService` on the daemon's
/// clock); file ages are wall time (file timestamps are), read from `wallClock`.
public struct Retention: PeriodicWork {
    let sweep: RetentionSweep
    let store: MovementStore
    let interval: Duration
    let wallClock: WallClock
    let logger: Logger

    public init(
        sweep: RetentionSweep, store: MovementStore, interval: Duration = .seconds(3600),
        wallClock: WallClock = .system, logger: Logger
    ) {
        self.sweep = sweep
        self.store = store
        self.interval = interval
        self.wallClock = wallClock
        self.logger = logger
    }

    public func tick() async -> Duration? {
        guard !sweep.folders.isEmpty else { return nil }
        sweepOnce()
        return interval
    }

    /// One pass; logs what it deleted. A store it cannot read keeps every refused file this time.
    @discardableResult
    public func sweepOnce() -> [RetentionSweep.Kind: Int] {
        guard let open = try? RefusalStore(store: store).openNames() else {
            logger.warning("retention skipped: cannot read the open refusals from the store")
            return [:]
        }
        let deleted = sweep.run(now: wallClock(), openRefusals: open)
        if !deleted.isEmpty {
            var metadata: Logger.Metadata = [:]
            for folder in sweep.folders where deleted[folder.kind] != nil {
                metadata["retention.\(folder.kind.rawValue).deleted"] = "\(deleted[folder.kind]!)"
                metadata["retention.\(folder.kind.rawValue).days"] = "\(folder.maxAgeDays)"
            }
            logger.info("deleted spool files past their retention (retention.*_days)", metadata: metadata)
        }
        return deleted
    }
}
