import Dispatch
import Foundation
import Glibc
import Logging

/// Watches the inbox with inotify (IN_CLOSE_WRITE, IN_MOVED_TO) through a Dispatch read source, and
/// rescans in full at start-up, on queue overflow and every `rescanSeconds` as a safety net.
///
/// All work happens on one serial queue. Every name reported by one `read` of the inotify descriptor is
/// taken in one group commit, so a burst of files costs one fsync while a lone file is taken at once.
public final class InboxWatcher: @unchecked Sendable {
    // Mutable state is confined to `queue`.
    let queue = DispatchQueue(label: "dwt-relay.inbox")
    private let ingestor: InboxIngestor
    private let rescanSeconds: Double
    private let logger: Logger
    private var inotifyFD: Int32 = -1
    private var readSource: DispatchSourceRead?
    private var timer: DispatchSourceTimer?
    /// One-shot retry after the store refused a commit (full disk), instead of retrying on every event.
    private var retryTimer: DispatchSourceTimer?
    /// Time of the last completed pass, for the watchdog and status.
    private let progress: LoopProgress
    /// Commits run here, in claim order, while `queue` claims and reads the next batch: on two cores the
    /// commit (SQLite, unlink, fsync) and the reading overlap instead of taking turns.
    private let commitQueue = DispatchQueue(label: "dwt-relay.inbox.commit")
    /// At most one batch is handed to `commitQueue` at a time.
    private let commitSlot = DispatchSemaphore(value: 1)
    /// Names in the batch handed to `commitQueue` (confined to `queue`): a file dropped again under one of
    /// these names must not be claimed before the earlier claim is removed, or that removal would take it.
    private var committingNames: Set<String> = []

    public init(ingestor: InboxIngestor, rescanSeconds: Double, logger: Logger, progress: LoopProgress) {
        self.ingestor = ingestor
        self.rescanSeconds = rescanSeconds
        self.logger = logger
        self.progress = progress
    }

    /// Starts watching; returns once the watch is in place and the start-up scan is done.
    public func start() throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw WatcherError("inotify_init1 failed: \(String(cString: strerror(errno)))") }
        // IN_CREATE only matters for things that will never be "closed after writing": symlinks, FIFOs.
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE) | UInt32(IN_Q_OVERFLOW)
        guard inotify_add_watch(fd, ingestor.inbox, mask) >= 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw WatcherError("cannot watch inbox \(ingestor.inbox): \(why)")
        }
        queue.sync {
            inotifyFD = fd
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [weak self] in self?.drainEvents() }
            source.setCancelHandler { close(fd) }
            readSource = source
            source.resume()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(
                deadline: .now() + rescanSeconds, repeating: rescanSeconds,
                leeway: .milliseconds(Int(rescanSeconds * 100)))
            timer.setEventHandler { [weak self] in self?.rescan(minimumAge: 2) }
            self.timer = timer
            timer.resume()
            ingestor.slices.onPassedOverFreed { [weak self] in
                guard let watcher = self else { return }
                watcher.queue.async { watcher.rescan(minimumAge: 0) }
            }
            rescan(minimumAge: 0)
        }
    }

    public func stop() {
        queue.sync {
            readSource?.cancel()
            readSource = nil
            timer?.cancel()
            timer = nil
            retryTimer?.cancel()
            retryTimer = nil
            waitForCommit()
        }
        // A large CSV stops between slices; its claim is taken again at the next start.
        ingestor.slices.stop()
    }

    /// Returns once the batch handed to `commitQueue` (if any) is committed. Called on `queue`.
    private func waitForCommit() {
        commitSlot.wait()
        commitSlot.signal()
        committingNames = []
    }

    /// Claims a batch here and commits it on `commitQueue`, overlapping with the next claim.
    private func takePipelined(_ names: [String]) {
        if !committingNames.isDisjoint(with: names) { waitForCommit() }
        let batch = ingestor.claim(names)
        commitSlot.wait()
        committingNames = Set(names)
        commitQueue.async { [self] in
            ingestor.commit(batch)
            commitSlot.signal()
            if ingestor.health.failure != nil { queue.async { [self] in scheduleRetryIfFailing() } }
        }
    }

    private func rescan(minimumAge: Double) {
        // A full scan sees claimed files: let the commit in progress remove its own first.
        waitForCommit()
        let taken = ingestor.scan(minimumAge: minimumAge)
        progress.tick()
        scheduleRetryIfFailing()
        if taken > 0 { logger.debug("rescan took files", metadata: ["files": "\(taken)"]) }
    }

    private func drainEvents() {
        var names: [String] = []
        var seen = Set<String>()
        var overflow = false
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(inotifyFD, buffer, size)
            if count <= 0 { break }
            var offset = 0
            while offset + 16 <= count {
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
                if length > 0 {
                    let namePointer = (buffer + offset + 16).assumingMemoryBound(to: CChar.self)
                    let name = String(cString: namePointer)
                    var wanted = mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) != 0
                    if !wanted && mask & UInt32(IN_CREATE) != 0 {
                        // A regular file being created is still being written: wait for its close.
                        var info = stat()
                        wanted = lstat(ingestor.inbox + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG
                    }
                    if wanted && InboxIngestor.isCandidate(name) && seen.insert(name).inserted { names.append(name) }
                }
                offset += 16 + length
            }
            if names.count >= 4096 { break }
        }
        if ingestor.health.failure != nil {
            // Storage is failing: the files stay where they are; a timer retries shortly.
            scheduleRetryIfFailing()
            progress.tick()
            return
        }
        if overflow {
            logger.warning("inotify queue overflowed; rescanning the inbox")
            rescan(minimumAge: 0)
            return
        }
        if !names.isEmpty {
            for start in stride(from: 0, to: names.count, by: 512) {
                takePipelined(Array(names[start..<min(start + 512, names.count)]))
            }
        }
        progress.tick()
        scheduleRetryIfFailing()
    }

    private func scheduleRetryIfFailing() {
        guard ingestor.health.failure != nil, retryTimer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 2)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.retryTimer?.cancel()
            self.retryTimer = nil
            self.ingestor.store.checkpoint()
            self.rescan(minimumAge: 0)
        }
        retryTimer = timer
        timer.resume()
    }
}

struct WatcherError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension InboxWatcher {
    /// Returns once the inbox queue has run a no-op: proof it is not wedged (for the watchdog).
    public func ping() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }
}
