import Synchronization

/// A gate that opens once: `wait()` returns when it has opened (at once if it already has). Used to hold
/// READY=1 back until every part that `run` promises has started. Cancelling a waiter opens the gate, so
/// a shutdown never leaves a task waiting for it.
public final class OneShotGate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isOpen else { return [] }
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let openAlready = state.withLock { state -> Bool in
                    if state.isOpen { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if openAlready { continuation.resume() }
            }
        } onCancel: {
            open()
        }
    }
}
