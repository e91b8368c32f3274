import Synchronization

/// Why the sender is woken.
public enum WakeReason: UInt8, Sendable {
    /// New work was committed.
    case newWork = 1
    /// An operator released held movements (`retry`, the office page): probes for a paused apiCode or refused
    /// credentials are due now, not at their next interval, or a released load would wait up to an hour.
    case operatorRelease = 2
}

/// Wakes the sender when new work is committed. A signal sent while nobody waits is kept (once), so
/// nothing is missed between "found no work" and "start waiting".
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var operatorRelease = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal(_ reason: WakeReason = .newWork) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if reason == .operatorRelease { state.operatorRelease = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Whether an operator released movements since the last call (and forgets it).
    public func takeOperatorRelease() -> Bool {
        state.withLock { state in
            defer { state.operatorRelease = false }
            return state.operatorRelease
        }
    }

    /// Returns at the next signal (or at once if one is pending, or when the task is cancelled).
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Waits for a signal or until `deadline` on `clock`, whichever comes first.
    public func wait<C: Clock>(until deadline: C.Instant?, clock: C) async {
        guard let deadline else {
            await wait()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await clock.sleep(until: deadline, tolerance: nil) }
            await group.next()
            group.cancelAll()
        }
    }
}
