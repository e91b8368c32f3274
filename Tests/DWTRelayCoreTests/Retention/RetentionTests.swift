import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Logging
import Testing

/// Spool retention with real folders, real intake refusals and a real store: what a site finds in `results/`,
/// `failed/` and the archive after the configured number of days (the sweep's wall time is moved forward).
@Suite struct RetentionTests {
    let folder = TemporaryFolder()
    let config: RelayConfig
    let store: MovementStore
    let ingestor: InboxIngestor
    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    init() throws {
        config = try RelayConfig(values: [
            "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.state": folder.sub("state"), "paths.results": folder.sub("results"),
            "paths.archive": folder.sub("archive"), "retention.results_days": "30", "retention.failed_days": "60",
        ])
        store = try MovementStore(path: config.databasePath, logger: quiet)
        ingestor = InboxIngestor(config: config, store: store, logger: quiet)
        try ingestor.prepareFolders()
        try FileManager.default.createDirectory(atPath: config.results, withIntermediateDirectories: true)
    }

    func drop(_ name: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: config.inbox + "/" + name))
    }

    func names(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func sweep(daysFromNow days: Double) -> [RetentionSweep.Kind: Int] {
        let now = Date().timeIntervalSince1970 + days * 86_400
        return Retention(
            sweep: RetentionSweep(config: config), store: store, wallClock: WallClock { now }, logger: quiet
        ).sweepOnce()
    }

    @Test func oldFilesGoExceptRefusalsStillOpenAndTheRecordsStay() throws {
        try drop("good.json", TestFixtures.movement(reference: "KEEP-1"))
        try drop("dealt-with.json", Data("{ not json".utf8))
        try drop("still-open.json", Data("{ not json".utf8))
        ingestor.scan()
        #expect(try names(config.failed).count == 4)
        #expect(try names(config.archive!) == ["good.json"])
        let dealtWith = try #require(
            try RefusalStore(store: store).list().first { $0.sourceFile == "dealt-with.json" }?.id)
        _ = try store.acknowledge(
            movementIDs: [], refusalIDs: [dealtWith], all: false, now: Date().timeIntervalSince1970)
        for name in ["T-1.result.json", "T-2.result.json", ".dwt-relay-api-token", "notes.txt"] {
            FileManager.default.createFile(atPath: config.results + "/" + name, contents: Data("{}".utf8))
        }

        // Within every limit: nothing goes.
        #expect(sweep(daysFromNow: 29).isEmpty)
        // Past the results' 30 days: the result files (not the token, not a stranger's file).
        #expect(sweep(daysFromNow: 31) == [.results: 2])
        #expect(try names(config.results) == [".dwt-relay-api-token", "notes.txt"])
        // Past failed's 60 days: the refusal dealt with and its report; the open one stays, however old.
        #expect(sweep(daysFromNow: 61) == [.failed: 2])
        #expect(try names(config.failed) == ["still-open.json", "still-open.json.error.json"])
        #expect(sweep(daysFromNow: 5000)[.failed] == nil)
        // By then the archive's two years are past too.
        #expect(try names(config.archive!) == [])
        #expect(try store.list().map(\.yourUniqueReference) == ["KEEP-1"], "the record outlives its files")
        #expect(try RefusalStore(store: store).list().count == 2)
    }

    @Test func theArchiveKeepsTwoYearsByDefaultAndZeroKeepsForEver() throws {
        try drop("a.json", TestFixtures.movement(reference: "ARCH-1"))
        ingestor.scan()
        #expect(sweep(daysFromNow: 729)[.archive] == nil)
        #expect(try names(config.archive!) == ["a.json"])
        #expect(sweep(daysFromNow: 731)[.archive] == 1)

        var keepAll = config
        for key in ["retention.results_days", "retention.failed_days", "retention.archive_days"] {
            try keepAll.set(key, "0", origin: "test")
        }
        #expect(RetentionSweep(config: keepAll).folders.isEmpty)
    }

    @Test func theDaemonSweepsAtStartAndSaysWhatItDeleted() async throws {
        let site = TemporaryFolder()
        let config = try ProcessTests.config(site, sandbox: nil, extra: ["retention.results_days": "30"])
        let path = try RelayProcess.writeConfig(config, in: site)
        try FileManager.default.createDirectory(atPath: config.results, withIntermediateDirectories: true)
        for name in ["old.result.json", "new.result.json"] {
            FileManager.default.createFile(atPath: config.results + "/" + name, contents: Data("{}".utf8))
        }
        let longAgo = timespec(tv_sec: Int(Date().timeIntervalSince1970) - 40 * 86_400, tv_nsec: 0)
        #expect(utimensat(AT_FDCWD, config.results + "/old.result.json", [longAgo, longAgo], 0) == 0)
        let daemon = try RelayProcess(["run", "--config", path])
        #expect(
            await eventually(timeout: 20) { daemon.errorText.contains("past their retention") }, "\(daemon.errorText)")
        daemon.signal(SIGTERM)
        #expect(await daemon.wait() == 0)
        #expect(daemon.errorText.contains("retention.results.deleted=1"))
        #expect(try names(config.results).filter { !$0.hasPrefix(".") } == ["new.result.json"])
    }

    @Test func recordsAreKeptAtLeastTwoYears() throws {
        #expect(throws: ConfigError.self) { try RelayConfig(values: ["retention.records_days": "365"]) }
        #expect(try RelayConfig(values: ["retention.records_days": "3650"]).recordsRetentionDays == 3650)
    }
}
