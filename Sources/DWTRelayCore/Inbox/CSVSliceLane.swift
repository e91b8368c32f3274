import Dispatch
import Synchronization

/// Where large CSV exports are taken, one slice of movements per transaction, beside the inbox's own
/// batches: a ticket dropped meanwhile is taken in its turn, not after a 100,000-row file.
///
/// Order still holds where it matters. While a file waits or is taken here, a file that gives one of its
/// references (a correction) is handed to this lane behind it, so a revision is never stored before the
/// movement it revises; and a name held here is not claimed again until its file is done.
final class CSVSliceLane: Sendable {
    private struct State {
        /// Each reference and name held, with how many queued jobs hold it.
        var references: [String: Int] = [:]
        var names: [String: Int] = [:]
        var stopping = false
        /// A file was passed over because its name was held: the inbox is scanned again when the lane is idle.
        var passedOver = false
        var rescan: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "dwt-relay.inbox.slices")

    /// Set by the watcher: how to scan the inbox again for files passed over while their name was held.
    func onPassedOverFreed(_ rescan: @escaping @Sendable () -> Void) {
        state.withLock { $0.rescan = rescan }
    }

    /// True when a job here holds this inbox name (the file, or its claim, must not be taken meanwhile).
    func holds(name: String) -> Bool {
        state.withLock { state in
            guard state.names[name] != nil else { return false }
            state.passedOver = true
            return true
        }
    }

    func holds(reference: String) -> Bool { state.withLock { $0.references[reference] != nil } }

    /// True once the daemon is stopping: a job stops between slices and leaves its claim for the next start.
    var stopping: Bool { state.withLock { $0.stopping } }

    /// Queues `work` behind every job already here, holding `names` and `references` until it is done.
    func enqueue(names: [String], references: Set<String>, _ work: @escaping @Sendable () -> Void) {
        state.withLock { state in
            for name in names { state.names[name, default: 0] += 1 }
            for reference in references { state.references[reference, default: 0] += 1 }
        }
        queue.async { [self] in
            if !stopping { work() }
            let rescan: (@Sendable () -> Void)? = state.withLock { state in
                for name in names { state.names[name] = state.names[name].flatMap { $0 > 1 ? $0 - 1 : nil } }
                for reference in references {
                    state.references[reference] = state.references[reference].flatMap { $0 > 1 ? $0 - 1 : nil }
                }
                guard state.names.isEmpty, state.passedOver, !state.stopping else { return nil }
                state.passedOver = false
                return state.rescan
            }
            rescan?()
        }
    }

    /// Stops taking slices; returns once the slice under way is committed. Claims left are taken at the next start.
    func stop() {
        state.withLock { $0.stopping = true }
        queue.sync {}
    }

    /// Returns once every job queued so far is done (tests, and `scan` for a caller that wants a settled inbox).
    func drain() {
        queue.sync {}
    }
}
