import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// A large CSV export through the real binary: taken a slice at a time while tickets dropped meanwhile are
/// taken in their turn, a correction of one of its loads stored after it, and a kill in the middle of the
/// file costing nothing (the restart takes the rest and stores nothing twice). Memory and speed for a
/// 16 MiB file are in the benchmark (`Benchmarks/bench.py`, large_csv_*).
@Suite struct LargeCSVTests {
    static let apiCode = "1f83215e-4b90-4785-9ab2-2614839aa2e9"
    static let rows = 12_000
    /// A weight nobody can read: this row's movement is refused and handed back; the others are taken.
    static let badRow = 5_000

    static let headings = [
        "Your unique reference", "Site name", "Site address", "Site postcode", "Receiver’s authorisation number",
        "Date received", "Carrier registration number", "Carrier organisation name", "Means of transport",
        "EWC code (could be multiple EWC codes for one load)", "Waste description", "Physical form",
        "Number of containers used", "Type of containers", "Weight unit of measurement", "Total weight of waste",
        "Is the waste weight estimated?", "Does the waste contain persistent organic pollutants (POPs)?",
        "Is the waste hazardous?", "Disposal / Recovery code & Weight",
    ]

    /// A ticket export in the template's headings, one movement per row, received an hour ago (UK time).
    static func export() -> Data {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Europe/London")
        formatter.dateFormat = "dd/MM/yyyy HH:mm:ss"
        let received = formatter.string(from: Date().addingTimeInterval(-3600))
        var text = headings.map { "\"\($0)\"" }.joined(separator: ",") + "\r\n"
        for number in 1...rows {
            let weight = number == badRow ? "lots" : "2.5"
            text +=
                "BIG-\(number),Receiver Ltd,\"123 Test Street, Test City\",TC1 2AB,PPC/A/9999999,\(received),"
                + "CBDL999999,Carrier Ltd,Rail,02 01 01,Mixed waste,Mixed,3,SKI,Tonnes,\(weight),No,No,No,"
                + "R1 = 0.75 = t = Actual\r\n"
        }
        return Data(text.utf8)
    }

    static func drop(_ data: Data, as name: String, in inbox: String) throws {
        try data.write(to: URL(fileURLWithPath: inbox + "/." + name + ".tmp"))
        guard rename(inbox + "/." + name + ".tmp", inbox + "/" + name) == 0 else { throw POSIXError(.EIO) }
    }

    @Test func aLargeExportIsTakenInSlicesBesideTicketsAndSurvivesAKill() async throws {
        let folder = TemporaryFolder()
        // No service: everything stays queued, so a correction replaces the unsent original.
        let config = try ProcessTests.config(
            folder, sandbox: nil, extra: ["site.api_code": Self.apiCode, "intake.validate": "warn"])
        let path = try RelayProcess.writeConfig(config, in: folder)
        try FileManager.default.createDirectory(atPath: config.inbox, withIntermediateDirectories: true)
        let export = Self.export()
        #expect(export.count > 1 << 20)
        var daemon = try RelayProcess(["run", "--config", path])
        defer { daemon.signal(SIGKILL) }
        #expect(await eventually(timeout: 20) { FileManager.default.fileExists(atPath: config.databasePath) })
        let store = try MovementStore(
            path: config.databasePath, key: try StorageKey.load(config: config, create: false))
        @Sendable func fromExport() -> [Movement] {
            ((try? store.list(limit: 1_000_000)) ?? []).filter { $0.sourceFile?.hasPrefix("big.csv") == true }
        }

        // Dropped right behind the export, so they arrive while it is being taken (however busy the machine
        // running this test is): a new load, and a correction of a load near its end.
        try Self.drop(export, as: "big.csv", in: config.inbox)
        let dropped = Date()
        try Self.drop(
            TestFixtures.movement(reference: "TICKET-1", apiCode: Self.apiCode), as: "t1.json", in: config.inbox)
        try Self.drop(
            TestFixtures.movement(reference: "BIG-11990", apiCode: Self.apiCode), as: "fix.json", in: config.inbox)
        @Sendable func ticket() -> Movement? {
            try? store.list(limit: 1_000_000).first { $0.yourUniqueReference == "TICKET-1" }
        }
        #expect(await eventually(timeout: 30, poll: 0.05) { ticket() != nil }, "\(daemon.errorText)")
        // From the store's own times, not from when this test looked: the ticket's wait, and how much of the
        // export had been stored by then.
        let storedAt = try #require(ticket()).receivedAt
        let ticketWait = storedAt - dropped.timeIntervalSince1970
        let takenBeforeTicket = fromExport().filter { $0.receivedAt <= storedAt }.count
        print(
            "large CSV: the ticket was stored \(String(format: "%.2f", ticketWait)) s after its drop, with "
                + "\(takenBeforeTicket) of \(Self.rows - 1) export rows stored")
        // Loose in a debug build beside the whole suite; the benchmark holds the release target (2 s).
        #expect(ticketWait < 10, "a ticket waited for the whole export")
        #expect(takenBeforeTicket < Self.rows - 1, "the export was already taken; the test proves nothing")

        // Killed in the middle of the export (once a slice is stored, if it is still being taken), then started
        // again.
        #expect(await eventually(timeout: 60) { !fromExport().isEmpty })
        daemon.signal(SIGKILL)
        await daemon.wait()
        let takenBeforeKill = fromExport().count
        daemon = try RelayProcess(["run", "--config", path])
        let claim = config.inbox + "/.dwt-relay-taking.big.csv"
        #expect(
            await eventually(timeout: 120) {
                !FileManager.default.fileExists(atPath: claim) && fromExport().count >= Self.rows - 1
                    && FileManager.default.fileExists(atPath: config.failedFolder(for: config.sites[0]) + "/big.csv")
            }, "\(fromExport().count) stored; \(daemon.errorText)")
        print("large CSV: \(takenBeforeKill) rows stored when the daemon was killed")

        let movements = fromExport()
        #expect(movements.count == Self.rows - 1, "each row stored once")
        #expect(Set(movements.compactMap(\.sourceFile)).count == Self.rows - 1)
        #expect(!movements.contains { $0.yourUniqueReference == "BIG-\(Self.badRow)" })
        // The correction is stored after the row it corrects, whichever daemon took which.
        let both = try store.list(limit: 1_000_000).filter { $0.yourUniqueReference == "BIG-11990" }
        #expect(both.count == 2)
        let latest = try #require(both.max { $0.id! < $1.id! })
        #expect(latest.sourceFile == "fix.json")
        let original = try #require(both.first { $0.sourceFile != "fix.json" })
        #expect(original.state == .superseded || latest.revisionOf == original.id, "\(original.state)")
        #expect(!FileManager.default.fileExists(atPath: config.inbox + "/fix.json"))

        let failed = config.failedFolder(for: config.sites[0])
        let handedBack = try String(contentsOfFile: failed + "/big.csv", encoding: .utf8)
        #expect(handedBack.split(separator: "\r\n").count == 2, "the heading row and the refused row")
        #expect(handedBack.contains("BIG-\(Self.badRow),"))
        let report = try String(contentsOfFile: failed + "/big.csv.error.json", encoding: .utf8)
        #expect(
            report.contains("\"row\" : \(Self.badRow + 1)") || report.contains("\"row\":\(Self.badRow + 1)"),
            "\(report)")
        #expect(report.contains("Total weight of waste"), "\(report)")
        #expect(report.contains("1 of \(Self.rows) movement(s) refused"), "\(report)")
    }
}
