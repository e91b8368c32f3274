import Dispatch
import Foundation
import Logging

/// Takes movement files out of the inbox into the store: claim, read, check, commit, then remove.
///
/// A file is first renamed to a private dot-name (`.dwt-relay-taking.NAME`) so that a writer who drops a
/// new `NAME.json` meanwhile is never deleted by mistake. Only after the commit is the claimed file
/// removed (or archived) and the folder fsynced. A crash at any point leaves either the original file,
/// the claimed file (picked up again at start-up), or a committed movement whose file is a duplicate.
public final class InboxIngestor: Sendable {
    static let claimPrefix = ".dwt-relay-taking."

    public let inbox: String
    public let failed: String
    public let archive: String?
    /// This site's intake, from the factory each time: a reference-data refresh reaches the next file.
    var intake: MovementIntake { intakes.intake(for: site) }
    let intakes: IntakeFactory
    let site: SiteConfig
    let store: MovementStore
    let logger: Logger
    /// Called after each commit that stored something new (wakes the sender).
    let onStored: @Sendable () -> Void
    let health: IntakeHealth
    /// When a movement arrived, as stored, and how old a file is. Injected so that the sender's model test
    /// can take files on its simulated clock.
    let wallClock: WallClock
    /// Large CSV files, a slice per transaction, beside the batches (`InboxIngestor+Slices`).
    let slices = CSVSliceLane()

    public init(
        config: RelayConfig, store: MovementStore, logger: Logger, health: IntakeHealth = IntakeHealth(),
        intakes: IntakeFactory? = nil, site: SiteConfig? = nil, onStored: @escaping @Sendable () -> Void = {},
        wallClock: WallClock = .system
    ) {
        let site = site ?? config.sites[0]
        self.site = site
        self.inbox = site.inbox
        self.failed = config.failedFolder(for: site)
        self.archive = config.archive
        self.intakes = intakes ?? IntakeFactory(config: config, reference: .bundled)
        self.store = store
        self.logger = logger
        self.onStored = onStored
        self.health = health
        self.wallClock = wallClock
    }

    /// Creates the spool folders if missing (inbox group-writable is the installer's job).
    public func prepareFolders() throws {
        for folder in [inbox, failed] + (archive.map { [$0] } ?? []) {
            try FileSystem.createDirectory(folder)
        }
    }

    /// Every name a writer may have dropped: each is read or refused, never left without a word. Only names
    /// still being written are passed over (`isBeingWritten`).
    static func isCandidate(_ name: String) -> Bool {
        !isBeingWritten(name) && !name.contains("/")
    }

    /// The writer rule: write `NAME.json.tmp` or a dot-file, then rename. The suffixes other software uses
    /// for a file it is still copying are passed over too; one left behind shows in `status` as waiting.
    static func isBeingWritten(_ name: String) -> Bool {
        if name.hasPrefix(".") { return true }
        let lower = name.lowercased()
        return inProgressSuffixes.contains { lower.hasSuffix($0) }
    }

    static let inProgressSuffixes = [".tmp", ".part", ".partial", ".filepart", ".crdownload", "~"]

    /// A movement file by its name: the API body as JSON (or a flat JSON ticket, read through the mapping).
    public static func isJSON(_ name: String) -> Bool {
        name.lowercased().hasSuffix(".json")
    }

    /// A one-ticket XML document, read through the mapping when there is one.
    public static func isXML(_ name: String) -> Bool {
        name.lowercased().hasSuffix(".xml")
    }

    /// A CSV file in Defra's receipt-of-waste layout (Windows writes `.CSV` as often as `.csv`).
    public static func isCSV(_ name: String) -> Bool { CSVRowPointer.isCSV(name) }

    /// Full scan: every candidate file plus claims left by a crash. `minimumAge` skips files modified
    /// very recently, which a writer breaking the rename rule may still be writing (inotify will report them).
    @discardableResult
    public func scan(minimumAge: Double = 0) -> Int {
        escapeNonUTF8Names()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: inbox) else {
            logger.error("cannot list inbox", metadata: ["inbox.path": "\(inbox)"])
            return 0
        }
        let now = wallClock()
        // Arrival order, as the writer meant it: modification time, then name. Name order alone took a
        // correction `T-42-v2.json` dropped while the daemon was stopped before its original `T-42.json`,
        // which made the original the revision of the correction.
        var found: [(name: String, modified: timespec)] = []
        for name in names where name.hasPrefix(Self.claimPrefix) || Self.isCandidate(name) {
            var info = stat()
            let known = lstat(inbox + "/" + name, &info) == 0
            if minimumAge > 0, !name.hasPrefix(Self.claimPrefix), known,
                now - Double(info.st_mtim.tv_sec) < minimumAge, (info.st_mode & S_IFMT) == S_IFREG
            {
                continue
            }
            found.append((name, known ? info.st_mtim : timespec()))
        }
        found.sort { a, b in
            if a.modified.tv_sec != b.modified.tv_sec { return a.modified.tv_sec < b.modified.tv_sec }
            if a.modified.tv_nsec != b.modified.tv_nsec { return a.modified.tv_nsec < b.modified.tv_nsec }
            return a.name < b.name
        }
        let wanted = found.map(\.name)
        var taken = 0
        for start in stride(from: 0, to: wanted.count, by: 512) {
            taken += take(Array(wanted[start..<min(start + 512, wanted.count)]))
        }
        return taken
    }

    /// Takes the named files in one group commit. Returns how many were stored or recognised as taken.
    @discardableResult
    public func take(_ names: [String]) -> Int {
        commit(claim(names))
    }

    /// Files claimed, read and checked, ready for one group commit.
    public struct ClaimedBatch: Sendable {
        fileprivate let entries: [Prepared]
    }

    /// First half of `take`: claims, reads and checks the files. Independent per file, so spread over the
    /// cores; the watcher runs it for the next batch while the previous one commits.
    public func claim(_ names: [String]) -> ClaimedBatch {
        let prepared = UnsafeSendableBuffer<Prepared>(count: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            prepared[index] = prepare(names[index])
        }
        return ClaimedBatch(entries: prepared.values)
    }

    /// Second half of `take`: one transaction for the batch, then the files are removed (or archived) and the
    /// folder fsynced. Batches must be committed in the order they were claimed.
    @discardableResult
    public func commit(_ batch: ClaimedBatch) -> Int {
        commit(batch.entries, onSliceLane: false)
    }

    /// Stores `entries` in one transaction. On the inbox's own queue, a file giving a reference that a large
    /// CSV on the slice lane (queued, or earlier in this batch) also gives goes to the lane behind it.
    func commit(_ entries: [Prepared], onSliceLane: Bool) -> Int {
        var claimed: [(original: String, claim: String, items: [IntakeItem], csv: CSVIntakeResult?)] = []
        var toLane: [Prepared] = []
        var laneReferences = Set<String>()
        func waitsForLane(_ items: [IntakeItem]) -> Bool {
            !onSliceLane
                && items.contains { item in
                    item.yourUniqueReference.map { laneReferences.contains($0) || slices.holds(reference: $0) } ?? false
                }
        }
        // Handed over once this batch is stored: what it holds before the lane's files is stored first.
        defer { toLane.forEach(handToSliceLane) }
        for entry in entries {
            switch entry {
            case .skipped:
                continue
            case .inSlices(_, _, let plan):
                toLane.append(entry)
                laneReferences.formUnion(plan.references)
            case .ready(_, _, let item) where waitsForLane([item]):
                toLane.append(entry)
            case .csv(_, _, let result) where waitsForLane(result.items):
                toLane.append(entry)
            case .ready(let original, let claim, let item):
                warnIfInvalid(item, file: original)
                claimed.append((original, claim, [item], nil))
            case .csv(let original, let claim, let result):
                result.items.forEach { warnIfInvalid($0, file: $0.sourceFile ?? original) }
                if result.items.isEmpty {
                    refuseCSV(claim: claim, original: original, result: result, wholeFile: true)
                } else {
                    claimed.append((original, claim, result.items, result))
                }
            case .refused(let original, let claim, let rejection):
                moveToFailed(
                    claim: claim, original: original, reason: rejection.reason, field: rejection.field,
                    issues: rejection.issues)
            case .leftInPlace(let name, let kind):
                reportLeftInPlace(name, kind: kind)
            }
        }
        guard !claimed.isEmpty else { return 0 }
        let results: [IngestResult]
        do {
            results = try store.ingest(claimed.flatMap(\.items), now: wallClock())
            health.recordSuccess()
        } catch {
            // Storage refused (disk full, read-only): give every file back untouched and try again later.
            for entry in claimed { _ = rename(inbox + "/" + entry.claim, inbox + "/" + entry.original) }
            health.recordFailure("\(error)")
            logger.critical(
                "cannot store movements; files left in the inbox",
                metadata: ["error": "\(error)", "files": "\(claimed.count)"])
            return 0
        }
        var next = results.makeIterator()
        for entry in claimed {
            // Rows a CSV could not turn into movements go to failed/ only now that the others are stored.
            if let csv = entry.csv, !csv.refused.isEmpty {
                refuseCSV(claim: entry.claim, original: entry.original, result: csv, wholeFile: false)
            }
            removeTaken(claim: entry.claim, original: entry.original)
            logStored(entry.items, &next, file: entry.original)
        }
        FileSystem.fsyncDirectory(inbox)
        if let archive { FileSystem.fsyncDirectory(archive) }
        if results.contains(where: { if case .stored = $0 { return true } else { return false } }) { onStored() }
        return results.count
    }

    /// A file whose movements are all stored: archived (`paths.archive`) or removed.
    func removeTaken(claim: String, original: String) {
        let path = inbox + "/" + claim
        if let archive {
            // The movement is stored, so a failed archive copy loses no load; it is logged, not silent.
            if !FileSystem.move(path, to: archive + "/" + original) {
                logger.error(
                    "cannot archive an ingested file (paths.archive); the movement is stored",
                    metadata: ["file": "\(original)", "error": "\(String(cString: strerror(errno)))"])
                unlink(path)
            }
        } else {
            unlink(path)
        }
    }

    /// One log line per movement: stored, or already there (a file taken again after a crash).
    func logStored(_ items: [IntakeItem], _ results: inout IndexingIterator<[IngestResult]>, file original: String) {
        for item in items {
            let file = item.sourceFile ?? original
            switch results.next() {
            case .stored(let id):
                logger.info("movement stored", metadata: ["movement.id": "\(id)", "file": "\(file)"])
            case .duplicate(let id):
                logger.info(
                    "file already taken; not stored twice", metadata: ["movement.id": "\(id)", "file": "\(file)"])
            case nil:
                break
            }
        }
    }

    func warnIfInvalid(_ item: IntakeItem, file: String) {
        guard !item.localIssues.isEmpty else { return }
        logger.warning(
            "movement fails offline validation; sending it anyway (intake.validate: warn)",
            metadata: [
                "file": "\(file)",
                "validation.errors": "\(ValidationIssue.summary(of: item.localIssues))",
            ])
    }

    enum Prepared: Sendable {
        case skipped
        case ready(original: String, claim: String, item: IntakeItem)
        /// A CSV file: its movements, and the rows refused (written to failed/ after the commit).
        case csv(original: String, claim: String, result: CSVIntakeResult)
        /// A CSV file over `sliceLaneBytes`: its rows sorted into movements, taken a slice at a time on the lane.
        case inSlices(original: String, claim: String, plan: CSVIntakePlan)
        case refused(original: String, claim: String, rejection: IntakeRejection)
        /// Not a regular file (a folder, FIFO, socket or device), left where it is: reported once.
        case leftInPlace(name: String, kind: String)
    }

    /// What a non-regular entry is, in words, or nil for a regular file or a symbolic link (a link is
    /// claimed and refused like a bad file: moving a link moves nothing it points to).
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return nil
        }
    }

    /// Claims one file by renaming it to a private name, reads and checks it (safe to run concurrently).
    private func prepare(_ name: String) -> Prepared {
        let original = name.hasPrefix(Self.claimPrefix) ? String(name.dropFirst(Self.claimPrefix.count)) : name
        guard Self.isCandidate(original) else { return .skipped }
        // Its earlier file (or this claim) is still being taken on the slice lane: taken once that is done.
        guard !slices.holds(name: original) else { return .skipped }
        let claim = Self.claimPrefix + original
        let claimPath = inbox + "/" + claim
        if !name.hasPrefix(Self.claimPrefix) {
            if rename(inbox + "/" + name, claimPath) != 0 {
                if errno == ENAMETOOLONG {
                    // Its claim name would pass NAME_MAX: refused once, in place of being retried for ever.
                    let limit = Int(NAME_MAX) - Self.claimPrefix.utf8.count
                    return .refused(
                        original: original, claim: name,
                        rejection: IntakeRejection(
                            field: nil,
                            "file name too long (\(original.utf8.count) bytes; dwt-relay takes names up to \(limit)): "
                                + "drop it again under a shorter name"))
                }
                if errno != ENOENT {
                    logger.warning(
                        "cannot claim inbox file",
                        metadata: ["file": "\(name)", "error": "\(String(cString: strerror(errno)))"])
                }
                return .skipped
            }
        }
        let isXML = Self.isXML(original) && intake.csvMapping.path != nil
        guard Self.isJSON(original) || Self.isCSV(original) || isXML else {
            return refuseUnread(original: original, claim: claim, path: claimPath)
        }
        let isCSV = Self.isCSV(original)
        switch readClaimed(claimPath, limit: isCSV ? intake.maxCSVBytes : intake.maxBytes) {
        case .data(let data) where isCSV:
            do {
                // A large export is only sorted into movements here; the slice lane builds and stores them.
                if data.count > Self.sliceLaneBytes {
                    return .inSlices(
                        original: original, claim: claim,
                        plan: try intake.planCSV(data, source: .inbox, sourceFile: original))
                }
                return .csv(
                    original: original, claim: claim,
                    result: try intake.checkCSV(data, source: .inbox, sourceFile: original))
            } catch {
                return .refused(original: original, claim: claim, rejection: error)
            }
        case .data(let data) where isXML:
            do {
                let fields = try TicketRecord.xml(data)
                return .csv(
                    original: original, claim: claim,
                    result: try intake.checkTicket(fields, source: .inbox, sourceFile: original))
            } catch {
                return .refused(original: original, claim: claim, rejection: error)
            }
        case .data(let data) where TicketRecord.flatJSON(data) != nil:
            do {
                return .csv(
                    original: original, claim: claim,
                    result: try intake.checkTicket(TicketRecord.flatJSON(data)!, source: .inbox, sourceFile: original))
            } catch {
                return .refused(original: original, claim: claim, rejection: error)
            }
        case .data(let data):
            do {
                return .ready(
                    original: original, claim: claim,
                    item: try intake.check(data, source: .inbox, sourceFile: original))
            } catch {
                return .refused(original: original, claim: claim, rejection: error)
            }
        case .rejected(let rejection):
            return .refused(original: original, claim: claim, rejection: rejection)
        case .notAFile(let kind):
            // A folder or FIFO another writer made is not moved on: the daemon may not be allowed to move it
            // (a folder needs write permission on itself to change parent), and a claim it could not move on
            // would be refused again at every rescan. It gets its name back and stays, reported once (again
            // only after an `ack` if it is still there), for a person to remove. Found by the open that reads
            // files anyway, so a regular file costs no extra system call.
            _ = rename(claimPath, inbox + "/" + original)
            return .leftInPlace(name: original, kind: kind)
        }
    }
}
