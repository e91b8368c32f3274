import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Logging
import Testing

/// The inbox with a real folder, a real SQLite file and the real inotify watcher (no sender).
@Suite struct InboxIngestorTests {
    let folder = TemporaryFolder()
    let config: RelayConfig
    let store: MovementStore
    let ingestor: InboxIngestor
    let watcher: InboxWatcher

    init() throws {
        config = try RelayConfig(values: [
            "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.state": folder.sub("state"), "paths.results": folder.sub("results"),
            "intake.max_file_bytes": "1048576",
        ])
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        store = try MovementStore(path: config.databasePath, logger: quiet)
        ingestor = InboxIngestor(config: config, store: store, logger: quiet)
        try ingestor.prepareFolders()
        watcher = InboxWatcher(ingestor: ingestor, rescanSeconds: 3600, logger: quiet, progress: LoopProgress())
    }

    func drop(_ name: String, _ data: Data) throws {
        let temp = config.inbox + "/." + name + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        #expect(rename(temp, config.inbox + "/" + name) == 0)
    }

    func inboxFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: config.inbox).sorted()
    }

    func failure(_ name: String) throws -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: config.failed + "/" + name + ".error.json") else {
            return nil
        }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// Every file is answered: one the relay does not read is refused into failed/ saying what it looks like
    /// and what to do, and counts as an unreported load (a `ticket.xml` stayed in the inbox for ever).
    @Test func aFileOfAnotherKindIsRefusedSayingWhatItLooksLike() async throws {
        try watcher.start()
        defer { watcher.stop() }
        try drop("ticket.xml", Data("<?xml version=\"1.0\"?><Ticket><TicketNo>T-1</TicketNo></Ticket>".utf8))
        try drop("notes.txt", Data("lorry came at 11:05\n".utf8))
        try drop("book.xlsx", Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]))
        try drop("TICKET.JSON", TestFixtures.movement(reference: "UPPER-1"))
        // Still being written, by the writer rule: passed over, and counted as waiting in the inbox.
        try Data("{".utf8).write(to: URL(fileURLWithPath: config.inbox + "/next.json.tmp"))
        let expected: [String: String] = [
            "ticket.xml": "this looks like XML", "notes.txt": "this looks like plain text",
            "book.xlsx": "Save the sheet as \"CSV UTF-8",
        ]
        for (name, fragment) in expected {
            #expect(await eventually { (try? failure(name)) != nil }, "\(name) should land in failed/")
            let report = try #require(try failure(name))
            let reason = report["reason"] as? String ?? ""
            #expect(reason.contains("dwt-relay reads .json and .csv files") && reason.contains(fragment), "\(reason)")
        }
        #expect(await eventually { (try? store.list().count) == 1 }, "an upper-case .JSON is read")
        #expect(try RefusalStore(store: store).list(openOnly: true).count == 3, "each counts as an unreported load")
        let report = StatusReport.build(
            facts: try store.statusFacts(), config: config, daemonRunning: true, now: Date().timeIntervalSince1970)
        #expect(report.health == .warning, "\(report.summaryLine)")
        #expect(try inboxFiles() == ["next.json.tmp"])
        #expect(InboxSnapshot.read(config.inbox)?.waiting == 1, "a file left being written shows as waiting")
    }

    @Test func filesFoundAtStartUpAreTakenInArrivalOrder() throws {
        // Dropped while the daemon was stopped: the original first, its correction a minute later. By name the
        // correction (`T-42-v2.json`) sorts first, which made the stale original replace it.
        try drop("T-42.json", TestFixtures.movement(reference: "T-42"))
        try drop("T-42-v2.json", TestFixtures.movement(reference: "T-42", siteName: "Corrected Receiver Ltd"))
        let now = Date().timeIntervalSince1970
        for (name, age) in [("T-42.json", 120.0), ("T-42-v2.json", 60.0)] {
            let when = timespec(tv_sec: Int(now - age), tv_nsec: 0)
            #expect(utimensat(AT_FDCWD, config.inbox + "/" + name, [when, when], 0) == 0)
        }
        ingestor.scan()
        let movements = try store.list()
        let live = movements.filter { $0.state != .superseded }
        #expect(movements.count == 2)
        #expect(live.map(\.sourceFile) == ["T-42-v2.json"], "the later file is the one sent")
    }

    @Test func renamedFileIsCommittedAndRemoved() async throws {
        try watcher.start()
        defer { watcher.stop() }
        try drop("ticket-1.json", TestFixtures.movement(reference: "W-1"))
        let stored = await eventually { (try? store.list().count) == 1 }
        #expect(stored)
        #expect(try store.list().first?.sourceFile == "ticket-1.json")
        #expect(await eventually { (try? inboxFiles()) == [] })
    }

    @Test func fileStillBeingWrittenIsNotRead() async throws {
        try watcher.start()
        defer { watcher.stop() }
        // A writer that ignores the rename rule and still has the file open: no IN_CLOSE_WRITE yet.
        let path = config.inbox + "/slow.json"
        let fd = open(path, O_CREAT | O_WRONLY, 0o644)
        #expect(fd >= 0)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        try handle.write(contentsOf: Data("{\"apiCode\": \"1f83215e-4b90-4785-9ab2-2614839aa2e9\",".utf8))
        // A rescan meanwhile must skip a file modified this recently.
        ingestor.scan(minimumAge: 2)
        // A temp dot-file is never read either.
        try Data("{".utf8).write(to: URL(fileURLWithPath: config.inbox + "/.other.json.tmp"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try store.list().isEmpty)
        #expect(try failure("slow.json") == nil)
        try handle.write(contentsOf: Data(" \"yourUniqueReference\": \"S-1\"}".utf8))
        try handle.close()
        #expect(await eventually { (try? store.list().count) == 1 })
        #expect(try store.list().first?.yourUniqueReference == "S-1")
    }

    @Test func thousandFilesAtOnceArriveExactlyOnce() async throws {
        try watcher.start()
        defer { watcher.stop() }
        let staging = folder.sub("staging")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for index in 0..<1000 {
            try TestFixtures.movement(reference: "BULK-\(index)").write(
                to: URL(fileURLWithPath: staging + "/m\(index).json"))
        }
        for index in 0..<1000 { #expect(rename(staging + "/m\(index).json", config.inbox + "/m\(index).json") == 0) }
        #expect(await eventually(timeout: 60) { (try? store.counts()[.queued]) == 1000 })
        let movements = try store.list(limit: 5000)
        #expect(movements.count == 1000)
        #expect(Set(movements.compactMap(\.sourceFile)).count == 1000)
        #expect(Set(movements.compactMap(\.yourUniqueReference)).count == 1000)
        #expect(await eventually { (try? inboxFiles()) == [] })
    }

    @Test func badFilesLandInFailedWithAReasonAndTheRestGoOn() async throws {
        try watcher.start()
        defer { watcher.stop() }
        try drop("truncated.json", Data("{\"apiCode\": ".utf8))
        try drop("array.json", Data("[1, 2, 3]".utf8))
        try drop("empty.json", Data())
        try drop("huge.json", Data(repeating: 0x20, count: 5 << 20))
        try drop("latin1.json", Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE9, 0x22, 0x7D]))
        #expect(symlink("/etc/shadow", config.inbox + "/shadow.json") == 0)
        #expect(mkfifo(config.inbox + "/pipe.json", 0o644) == 0)
        try drop("good.json", TestFixtures.movement(reference: "G-1"))
        let expected: [String: String] = [
            "truncated.json": "not valid JSON", "array.json": "not a JSON object", "empty.json": "empty",
            "huge.json": "over the 1048576-byte limit", "latin1.json": "not valid UTF-8",
            "shadow.json": "symbolic link refused", "pipe.json": "not a regular file",
        ]
        for (name, fragment) in expected {
            #expect(await eventually { (try? failure(name)) != nil }, "\(name) should land in failed/")
            let report = try #require(try failure(name))
            #expect((report["reason"] as? String ?? "").contains(fragment), "\(name): \(report)")
            #expect(report["file"] as? String == name)
        }
        // The symlink itself was moved, never followed: failed/ holds a link, not a copy of /etc/shadow.
        var info = stat()
        #expect(lstat(config.failed + "/shadow.json", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFLNK)
        #expect(await eventually { (try? store.list().count) == 1 })
        #expect(try store.list().first?.sourceFile == "good.json")
        #expect(await eventually { (try? inboxFiles()) == ["pipe.json"] }, "a FIFO is reported and left alone")
    }

    @Test func fileLeftAfterCommitIsNotStoredTwice() async throws {
        // The crash window: committed, but the process died before deleting the file.
        let data = try TestFixtures.movement(reference: "K-1")
        let item = try MovementIntake(siteAPICode: nil, maxBytes: 1 << 20).check(
            data, source: .inbox, sourceFile: "k.json")
        _ = try store.ingest([item])
        try data.write(to: URL(fileURLWithPath: config.inbox + "/.dwt-relay-taking.k.json"))
        try drop("k.json", data)
        try watcher.start()
        defer { watcher.stop() }
        #expect(await eventually { (try? inboxFiles()) == [] })
        #expect(try store.list().count == 1)
    }

    @Test func storageFailureLeavesFilesInTheInbox() throws {
        try drop("keep.json", TestFixtures.movement(reference: "F-1"))
        // The database is moved away under the ingestor (root or not, the commit must refuse): the file is
        // given back, not acknowledged into a database nobody will open again.
        #expect(rename(config.databasePath, config.databasePath + ".moved") == 0)
        defer { rename(config.databasePath + ".moved", config.databasePath) }
        ingestor.scan()
        #expect(try inboxFiles() == ["keep.json"])
        #expect(try store.list().isEmpty)
    }

    /// A folder or FIFO named like a movement (another writer made it in the group-writable inbox): the
    /// daemon may not be allowed to move a folder (that needs write permission on the folder itself), so it
    /// used to claim it, fail to move it and refuse it again at every rescan. Now: reported once, left alone.
    @Test func aFolderOrFIFONamedLikeAMovementIsReportedOnceAndLeftAlone() throws {
        // Scans one after another, as the daemon and then the daemon after a restart would make them. (Run
        // beside a live daemon's watcher, the second ingestor's claim-and-give-back of the FIFO raced the
        // watcher's own take of it: two ingestors on one inbox, which the daemon lock rules out.)
        let inbox = config.inbox
        let folder = inbox + "/x.json"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/inside.json"))
        #expect(chmod(folder, 0o555) == 0)
        defer { chmod(folder, 0o755) }
        #expect(mkfifo(inbox + "/pipe.json", 0o644) == 0)
        try drop("good.json", TestFixtures.movement(reference: "GOOD-1"))
        ingestor.scan()
        #expect(try store.list().map(\.sourceFile) == ["good.json"], "a FIFO does not hold up the files beside it")
        #expect(try RefusalStore(store: store).list().count == 2)
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let again = InboxIngestor(config: config, store: store, logger: quiet)
        again.scan()
        again.scan()
        let refusals = try RefusalStore(store: store).list()
        #expect(refusals.count == 2, "\(refusals.map(\.sourceFile))")
        let folderRefusal = try #require(refusals.first { $0.sourceFile == "x.json" })
        #expect(folderRefusal.reason.hasPrefix("a folder, not a regular file"))
        #expect(folderRefusal.failedPath == nil)
        #expect(refusals.contains { $0.sourceFile == "pipe.json" && $0.reason.hasPrefix("a FIFO") })
        #expect(try inboxFiles() == ["pipe.json", "x.json"])
        #expect(FileManager.default.fileExists(atPath: folder + "/inside.json"), "left alone")
        let reports = try FileManager.default.contentsOfDirectory(atPath: config.failed).sorted()
        #expect(reports == ["pipe.json.error.json", "x.json.error.json"])
        let report = try #require(try failure("x.json"))
        #expect(report["movedTo"] is NSNull, "it says the entry was not moved")
        // Still there after an operator acknowledged the report: reported again, once.
        #expect(
            try store.acknowledge(movementIDs: [], refusalIDs: [folderRefusal.id!], all: false, now: 0)
                .refusals == [folderRefusal.id!])
        again.scan()
        again.scan()
        let folderRefusals = try RefusalStore(store: store).list().filter { $0.sourceFile == "x.json" }
        #expect(folderRefusals.count == 2, "\(folderRefusals)")
    }
}

/// Names the filesystem allows but the rest of dwt-relay could not handle: each is taken or refused once.
@Suite struct HostileNameTests {
    @Test func nonUTF8AndOverLongNamesAreTakenOrRefusedOnce() async throws {
        try await RelayHarness.run(config: ["intake.rescan_seconds": "1"]) { harness in
            let inbox = harness.config.inbox
            // "café.json" in Latin-1, as a Windows writer over Samba could leave it.
            let latin1: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".json".utf8)
            let body = try TestFixtures.movement(reference: "LATIN-1")
            let path = Array(inbox.utf8) + [UInt8(ascii: "/")] + latin1 + [0]
            let written = path.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { name -> Bool in
                    let fd = open(name.baseAddress!, O_CREAT | O_WRONLY, 0o644)
                    guard fd >= 0 else { return false }
                    defer { close(fd) }
                    return body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == body.count
                }
            }
            #expect(written)
            let long = String(repeating: "t", count: 245) + ".json"
            try harness.drop(long, TestFixtures.movement(reference: "LONG-1"))
            #expect(await eventually(timeout: 20) { (try? harness.allFinal(count: 1)) == true })
            let taken = try #require(try harness.store.list().first)
            #expect(taken.sourceFile == "caf%E9.json", "taken under its escaped name")
            #expect(await eventually { (try? RefusalStore(store: harness.store).list().count) == 1 })
            let refusal = try #require(try RefusalStore(store: harness.store).list().first)
            #expect(refusal.sourceFile == long && refusal.reason.contains("file name too long"))
            #expect(FileManager.default.fileExists(atPath: harness.config.failed + "/" + long), "kept, not deleted")
            // Refused once, not at every rescan.
            try await Task.sleep(for: .seconds(2.5))
            #expect(try RefusalStore(store: harness.store).list().count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: inbox).isEmpty)
        }
    }
}
