import Dispatch
import Foundation
import Logging
import Synchronization

/// Writes `paths.results/NAME.result.json` for every final outcome, atomically (temp + rename), so a
/// weighbridge program that only reads files learns every ID and every rejection.
///
/// Files appear at once; making them durable is batched: one `syncfs` for the results folder's filesystem
/// and one transaction marking them written, every 200 ms or 256 files. A crash before that only means the
/// files are written again at start-up (they are rebuilt from the store, which is the record).
public final class ResultWriter: Sendable {
    public let folder: String
    /// Per-site folders (multi-site configs): site name -> folder.
    let siteFolders: [String: String]
    let store: MovementStore
    let logger: Logger
    private let pending = Mutex<(ids: [Int64], since: Double?)>(([], nil))
    /// Result folders known to exist (checked once rather than for every file).
    private let knownFolders = Mutex<Set<String>>([])
    /// Files are written here, off the sender's loop: creating thousands of files is kernel work that
    /// should overlap with HTTP and SQLite, not queue behind them.
    private let queue = DispatchQueue(label: "dwt-relay.results")
    static let flushInterval = 0.2
    static let flushCount = 256

    /// When the oldest unflushed file was written.
    let wallClock: WallClock

    public init(
        folder: String, store: MovementStore, logger: Logger, siteFolders: [String: String] = [:],
        wallClock: WallClock = .system
    ) {
        self.wallClock = wallClock
        self.folder = folder
        self.siteFolders = siteFolders
        self.store = store
        self.logger = logger
    }

    public func folder(for movement: Movement) -> String { movement.site.flatMap { siteFolders[$0] } ?? folder }

    public func path(for movement: Movement) -> String {
        folder(for: movement) + "/" + movement.resultBaseName + ".result.json"
    }

    /// Writes the file soon (on the writer's queue); durability follows with the next `flush`.
    public func write(_ movement: Movement) {
        guard let id = movement.id, movement.state == .accepted || movement.state == .rejected else { return }
        // The payload is not part of a result file; not holding it keeps a queue of files waiting to be
        // written (a backlog drains faster than files are created) small.
        var light = movement
        light.payload = Data()
        pending.withLock { state in
            if state.since == nil { state.since = wallClock() }
        }
        queue.async { [self, light] in
            guard write(light, durable: false) else { return }
            let (first, due) = pending.withLock { state -> (Bool, Bool) in
                state.ids.append(id)
                if state.since == nil { state.since = wallClock() }
                return (state.ids.count == 1, state.ids.count >= Self.flushCount)
            }
            if due {
                flushNow()
            } else if first {
                // The writer keeps its own timer, so no file waits on the sender's loop to be made durable.
                queue.asyncAfter(deadline: .now() + Self.flushInterval) { [self] in flushNow() }
            }
        }
    }

    @discardableResult
    func write(_ movement: Movement, durable: Bool) -> Bool {
        guard movement.state == .accepted || movement.state == .rejected, let id = movement.id else { return false }
        do {
            let folder = folder(for: movement)
            if !knownFolders.withLock({ $0.contains(folder) }) {
                try FileSystem.createDirectory(folder)
                knownFolders.withLock { _ = $0.insert(folder) }
            }
            let text = ResultFile.render(try store.decrypted(movement))
            let target = Self.resultPath(path(for: movement), for: id)
            do {
                try FileSystem.writeAtomically(Data(text.utf8), to: target, durable: durable)
            } catch {
                // The folder may have been removed since: recreate it once, then give up until start-up.
                try FileSystem.createDirectory(folder)
                try FileSystem.writeAtomically(Data(text.utf8), to: target, durable: durable)
            }
            if durable { try store.markResultsWritten([id]) }
            return true
        } catch {
            logger.error(
                "cannot write result file; will retry at start-up",
                metadata: ["movement.id": "\(id)", "error": "\(error)"])
            return false
        }
    }

    /// A writer that reuses a file name gets a movement per drop, and each keeps its result: `NAME.result.json`
    /// is always the latest movement from `NAME.json`, and an earlier one's result is kept as
    /// `NAME.<its id>.result.json` (renamed there when a later movement's result arrives), so its waste
    /// tracking ID can still be read. Costs one failed `open` per result when names are unique.
    static func resultPath(_ path: String, for id: Int64) -> String {
        guard let data = FileManager.default.contents(atPath: path),
            let existing = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? Int,
            Int64(existing) != id
        else { return path }
        let base = String(path.dropLast(".result.json".count))
        if Int64(existing) > id { return base + ".\(id).result.json" }  // a later movement's result is there
        if rename(path, base + ".\(existing).result.json") == 0 {
            FileSystem.fsyncDirectory((path as NSString).deletingLastPathComponent)
        }
        return path
    }

    /// When the next batched flush is due, if any files wait for one.
    public var nextFlushAt: Double? { pending.withLock { $0.since.map { $0 + Self.flushInterval } } }

    public func flushIfDue(now: Double) {
        if let due = nextFlushAt, now >= due { queue.async { [self] in flushNow() } }
    }

    /// Makes every result written so far durable and marks it so (waits for queued writes).
    public func flush() {
        queue.sync { flushNow() }
    }

    private func flushNow() {
        let ids = pending.withLock { state -> [Int64] in
            defer { state = ([], nil) }
            return state.ids
        }
        guard !ids.isEmpty else { return }
        FileSystem.syncFilesystem(of: folder)
        do {
            try store.markResultsWritten(ids)
        } catch {
            logger.error(
                "cannot mark result files written; they will be rewritten at start-up", metadata: ["error": "\(error)"])
        }
    }

    /// Writes every result still owed (after a crash between commit and write), durably.
    public func writeOwed() {
        while let owed = try? store.resultsDue(limit: 500), !owed.isEmpty {
            var progress = false
            for movement in owed where write(movement, durable: true) { progress = true }
            if !progress { break }
        }
    }
}
