import Dispatch

/// A serial executor on a thread of its own (a Dispatch queue), for an actor whose methods block on I/O:
/// the sender's SQLite commits wait for fsync. On the cooperative pool (one thread per core, two on a
/// weighbridge PC) each such wait would stall half of every other task, the local API and the office page
/// included; on this executor it stalls only the actor.
public final class BlockingWorkExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: the queue is thread-safe and never replaced.
    private let queue: DispatchQueue
    private let marker = DispatchSpecificKey<Bool>()

    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
        queue.setSpecific(key: marker, value: true)
    }

    /// Whether the calling code runs on this executor's thread.
    public var isCurrent: Bool { DispatchQueue.getSpecific(key: marker) == true }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { unownedJob.runSynchronously(on: executor) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}
