import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Logging
import Testing

@testable import DWTRelayCore

/// CSV files in the layout of Defra's "Report receipt of waste" spreadsheet (the fixture is the template's two
/// data sheets saved as CSV one below the other, with its own title, heading and guidance rows) and in a
/// weighbridge package's own layout through a mapping file.
@Suite struct CSVIntakeTests {
    static let fixture =
        TestFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures/csv/receipt-template-both-sheets.csv"
    static let apiCode = "1f83215e-4b90-4785-9ab2-2614839aa2e9"

    static func intake(validation: RelayConfig.ValidationMode = .warn, mapping: CSVMapping = CSVMapping())
        -> MovementIntake
    {
        var intake = MovementIntake(siteAPICode: apiCode, maxBytes: 1 << 20)
        intake.validation = validation
        intake.csvMapping = mapping
        return intake
    }

    static func body(_ item: IntakeItem) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: item.body) as? [String: Any])
    }

    @Test func defrasTemplateLayoutBecomesMovementsAndItsBadRowsAreNamed() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.fixture))
        let result = try Self.intake().checkCSV(data, source: .inbox, sourceFile: "tickets.csv")
        #expect(result.items.map(\.sourceFile) == ["tickets.csv.row9", "tickets.csv.row10"])
        #expect(result.items.map(\.yourUniqueReference) == ["WB-2001", "WB-2002"])
        #expect(result.items.allSatisfy { $0.localIssues.isEmpty }, "\(result.items.map(\.localIssues))")
        #expect(result.notes.isEmpty, "every column is one of the template's: \(result.notes)")
        #expect(result.items[0].origin == "from tickets.csv rows 9, 24–25")

        let first = try Self.body(result.items[0])
        #expect(first["dateTimeReceived"] as? String == "2026-07-14T08:30:00.000Z", "09:30 BST")
        #expect(first["apiCode"] as? String == Self.apiCode)
        let receiver = try #require(first["receiver"] as? [String: Any])
        #expect(receiver["authorisationNumber"] as? String == "EPR/NF1234AB")
        let items = try #require(first["wasteItems"] as? [[String: Any]])
        #expect(items.count == 2)
        #expect(items[1]["ewcCodes"] as? [String] == ["170201", "170202"])
        #expect(items[1]["physicalForm"] as? String == "Solid")
        #expect((items[1]["weight"] as? [String: Any])?["metric"] as? String == "Tonnes")
        let codes = try #require(items[1]["disposalOrRecoveryCodes"] as? [[String: Any]])
        #expect(codes.map { $0["code"] as? String } == ["R3", "R5"])
        #expect((codes[1]["weight"] as? [String: Any])?["amount"] as? Double == 0.5)
        // A code given alone takes the whole item's weight.
        let whole = try #require((items[0]["disposalOrRecoveryCodes"] as? [[String: Any]])?.first)
        #expect((whole["weight"] as? [String: Any])?["amount"] as? Double == 6.25)

        let second = try Self.body(result.items[1])
        #expect(second["dateTimeReceived"] as? String == "2026-11-03T16:45:10.000Z", "GMT in November")
        #expect((second["carrier"] as? [String: Any])?["meansOfTransport"] as? String == "Inland Waterway")
        let oil = try #require((second["wasteItems"] as? [[String: Any]])?.first)
        #expect(oil["ewcCodes"] as? [String] == ["130205"])
        #expect(oil["typeOfContainers"] as? String == "DRU")
        #expect((oil["weight"] as? [String: Any])?["amount"] as? Double == 1500)
        let hazardous = try #require(oil["hazardous"] as? [String: Any])
        #expect(hazardous["hazCodes"] as? [String] == ["HP_14", "HP_5"])
        #expect((hazardous["components"] as? [[String: Any]])?.first?["concentration"] as? Double == 980000)
        let recovery = try #require((oil["disposalOrRecoveryCodes"] as? [[String: Any]])?.first)
        #expect(recovery["code"] as? String == "R9")
        #expect((recovery["weight"] as? [String: Any])?["isEstimate"] as? Bool == true)

        let refused = result.refused.map { ($0.reference, $0.problems.map(\.row), $0.problems.map(\.column)) }
        #expect(refused.count == 3)
        #expect(refused[0].0 == "WB-2003" && refused[0].1 == [11] && refused[0].2 == ["Date received"])
        #expect(result.refused[0].problems[0].reason.contains("\"31/02/2026 10:00:00\" is not a date"))
        #expect(refused[1].0 == "WB-2004" && result.refused[1].problems[0].reason.contains("happens twice in UK time"))
        #expect(refused[2].0 == "WB-9999" && refused[2].1 == [29])
        #expect(result.refused[2].problems[0].reason.contains("no movement row for reference \"WB-9999\""))
        // The refused rows as written, under the template's heading rows, to fix and drop again.
        let text = String(decoding: result.refusedText, as: UTF8.self)
        #expect(text.hasPrefix("Page 7: Waste movement level"))
        #expect(text.contains("WB-2003") && text.contains("WB-2004") && text.contains("WB-9999"))
        #expect(!text.contains("WB-2001") && !text.contains("WB-2002"))
        let again = try Self.intake().checkCSV(result.refusedText, source: .inbox, sourceFile: "again.csv")
        #expect(again.items.isEmpty && again.refused.count == 3, "the refused rows read back as the same refusals")
    }

    @Test func csvTextIsReadAsSpreadsheetProgramsWriteIt() throws {
        let mapping = try CSVMapping(
            yaml: "columns:\n  Ticket: Your unique reference\n  Note: Special handling requirement")
        // Excel's `sep=;` line, a quoted value over two lines with a doubled quote, CRLF line ends.
        let excel = "sep=;\r\nTicket;Note\r\nT-1;\"Keep \"\"dry\"\"\r\nand cool\"\r\n"
        let table = try ReceiptCSVProbe.movementBodies(Data(excel.utf8), mapping: mapping)
        #expect(table["T-1"]?["specialHandlingRequirements"] as? String == "Keep \"dry\"\r\nand cool")
        // Windows-1252 from a Windows package: "Tìcket" with ì as 0xEC.
        var latin = Data("Ticket,Note\nT-2,T".utf8)
        latin.append(0xEC)
        latin.append(contentsOf: Array("cket\n".utf8))
        let read = try Self.intake(mapping: mapping).checkCSV(latin, source: .inbox, sourceFile: "w.csv")
        #expect(read.refused.first?.problems.first?.reason.contains("the movement \"T-2\" has no waste item") == true)
        let bodies = try ReceiptCSVProbe.movementBodies(latin, mapping: mapping)
        #expect(bodies["T-2"]?["specialHandlingRequirements"] as? String == "Tìcket")
        #expect(read.notes.contains("read as Windows-1252 (not UTF-8)"))
        // A quote never closed names the row where it opened.
        #expect {
            _ = try Self.intake(mapping: mapping).checkCSV(
                Data("Ticket,Note\nT-3,\"open\nT-4,x\n".utf8), source: .inbox, sourceFile: "cut.csv")
        } throws: { error in
            (error as? IntakeRejection)?.reason == "row 2: a quoted value is never closed (the file may be cut short)"
        }
        // No header row: the file is refused whole, saying what row 1 has.
        #expect {
            _ = try Self.intake().checkCSV(Data("a,b\n1,2\n".utf8), source: .inbox, sourceFile: "x.csv")
        } throws: { error in
            (error as? IntakeRejection)?.reason.contains("no header row with a \"Your unique reference\" column")
                == true
        }
    }

    @Test func cellValuesAreReadAsDefrasImporterReadsThemOrRefusedWithTheValue() throws {
        let mapping = try CSVMapping(yaml: "columns:\n  T: Your unique reference\n")
        func problem(_ heading: String, _ value: String) throws -> String? {
            let csv = "T,\(heading)\nT-1,\"\(value)\"\n"
            return try Self.intake(mapping: mapping).checkCSV(Data(csv.utf8), source: .inbox, sourceFile: "c.csv")
                .refused.first?.problems.first { $0.column == heading }?.reason
        }
        #expect(try problem("Total weight of waste", "2.5t")?.contains("\"2.5t\" is not a number") == true)
        #expect(try problem("Is the waste weight estimated?", "maybe")?.contains("\"maybe\" is not Estimate") == true)
        #expect(try problem("Disposal / Recovery code & Weight", "X1")?.contains("is not a disposal") == true)
        #expect(try problem("Disposal / Recovery code & Weight", "R1 = 5 = stone = Actual")?.contains("stone") == true)
        // A percentage is converted (1% = 10,000 mg/kg); a limit or a word is not a value.
        #expect(try problem("POP name & concentration value", "ALD = 1%") == nil)
        #expect(try problem("POP name & concentration value", "ALD = <1%")?.contains("as a number of mg/kg") == true)
        #expect(try problem("Component name & concentration value", "Water = Balance")?.contains("mg/kg") == true)
        #expect(try problem("Number of containers used", "two")?.contains("not a whole number") == true)
        #expect(try problem("Date received", "2026-03-29T01:30:00")?.contains("does not exist in UK time") == true)
    }

    @Test func aMovementDefrasRulesRefuseIsRefusedAtTheRowAndColumnOfTheBadValue() throws {
        // intake.validate: reject, and the second waste item of WB-2001 has an EWC code that does not exist.
        let data = try #require(FileManager.default.contents(atPath: Self.fixture))
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(
            of: "17 02 01; 17 02 02", with: "99 99 99")
        let result = try Self.intake(validation: .reject).checkCSV(
            Data(text.utf8), source: .inbox, sourceFile: "tickets.csv")
        let refused = try #require(result.refused.first { $0.reference == "WB-2001" })
        #expect(refused.rows == [9, 24, 25])
        let problem = try #require(refused.problems.first)
        #expect(problem.row == 25, "the item's own row")
        #expect(problem.column == "EWC code (could be multiple EWC codes for one load)")
        #expect(problem.reason.contains("wasteItems.1.ewcCodes.0"), "\(problem.reason)")
        #expect(result.items.map(\.yourUniqueReference) == ["WB-2002"], "the rest of the file still goes through")
    }

    @Test func aMappingFileNamesAPackagesOwnColumnsAndFixedValues() throws {
        let folder = TemporaryFolder()
        try """
        columns:
          Ticket No: Your unique reference
          Date In: Date received
          Haulier: carrier.organisationName
          Licence: Carrier registration number
          Reg: Vehicle registration number (if by road)
          EWC: EWC code (could be multiple EWC codes for one load)
          Material: Waste description
          Form: Physical form
          Skips: Number of containers used
          Container: Type of containers
          Net: wasteItems.weight.amount
          Treatment: Disposal / Recovery code & Weight
        values:
          Means of transport: Road
          Weight unit of measurement: kg
          Is the waste weight estimated?: Actual
          Does the waste contain persistent organic pollutants (POPs)?: "No"
          Is the waste hazardous?: false
          Site name: North Quarry
          Receiver’s authorisation number: PPC/A/9999999
          Site address: 1 Quarry Lane
          Site postcode: NT1 2AB
        ignore: [Price]
        delimiter: ";"
        """.write(toFile: folder.sub("map.yaml"), atomically: true, encoding: .utf8)
        let mapping = try CSVMapping(path: folder.sub("map.yaml"), key: "intake.csv_mapping_file")
        let export = """
            Ticket No;Date In;Haulier;Licence;Reg;EWC;Material;Form;Skips;Container;Net;Treatment;Price
            T-77;29/11/2026 10:05;Hill Haulage;CBDU100001;AB12 CDE;17 05 04;Soil;solid;1;SKI;7,250;R5;12.00

            """
        let result = try Self.intake(validation: .reject, mapping: mapping).checkCSV(
            Data(export.utf8), source: .inbox, sourceFile: "export.csv")
        #expect(result.refused.isEmpty, "\(result.refused.map(\.problems))")
        let body = try Self.body(try #require(result.items.first))
        let item = try #require((body["wasteItems"] as? [[String: Any]])?.first)
        #expect(
            item["weight"] as? [String: Any] as NSDictionary? == [
                "metric": "Kilograms", "amount": 7250, "isEstimate": false,
            ])
        #expect((body["carrier"] as? [String: Any])?["organisationName"] as? String == "Hill Haulage")
        #expect((body["receiver"] as? [String: Any])?["siteName"] as? String == "North Quarry")
        #expect(result.notes == ["columns ignored (ignore: in the mapping): \"Price\""])

        // A row cut short is refused naming the headings it has no cell under, never sent with them empty.
        let short = """
            Ticket No;Date In;Haulier;Licence;Reg;EWC;Material;Form;Skips;Container;Net;Treatment;Price
            T-78;29/11/2026 10:05;Hill Haulage;CBDU100001;AB12 CDE;17 05 04;Soil;solid;1;SKI

            """
        let cut = try Self.intake(validation: .reject, mapping: mapping).checkCSV(
            Data(short.utf8), source: .inbox, sourceFile: "short.csv")
        #expect(cut.items.isEmpty)
        let problem = try #require(cut.refused.first?.problems.first)
        #expect(problem.row == 2 && problem.column == "Net", "\(problem)")
        #expect(problem.reason.contains("no cell under \"Net\", \"Treatment\""), "\(problem.reason)")

        try "columns:\n  Ticket No: Ticket number\n".write(
            toFile: folder.sub("bad.yaml"), atomically: true, encoding: .utf8)
        #expect {
            _ = try CSVMapping(path: folder.sub("bad.yaml"), key: "intake.csv_mapping_file")
        } throws: { error in
            "\(error)".contains("intake.csv_mapping_file") && "\(error)".contains("\"Ticket No\" → \"Ticket number\"")
        }
    }
}

/// The movement bodies a CSV makes, by reference, before any movement-level check.
enum ReceiptCSVProbe {
    static func movementBodies(_ data: Data, mapping: CSVMapping) throws -> [String: [String: Any]] {
        Dictionary(
            uniqueKeysWithValues: try ReceiptCSV(data, mapping: mapping).movements.map { ($0.reference, $0.body) })
    }
}

/// A CSV dropped into the inbox of a running daemon, delivered to the sandbox: the good movements reach the
/// service, the refused rows wait in failed/ to be fixed, and a crash between commit and removal neither
/// loses nor duplicates a row.
@Suite struct CSVInboxTests {
    @Test func aCSVIsDeliveredMovementByMovementAndItsRefusedRowsWaitInFailed() async throws {
        let data = try #require(FileManager.default.contents(atPath: CSVIntakeTests.fixture))
        try await RelayHarness.run(config: ["site.api_code": CSVIntakeTests.apiCode]) { harness in
            try harness.drop("tickets.csv", data)
            #expect(await eventually(timeout: 20) { (try? harness.allFinal(count: 2)) == true }, "\(harness.logs.text)")
            let stored = await harness.sandbox.state.listing()
            #expect(Set(stored.compactMap(\.yourUniqueReference)) == ["WB-2001", "WB-2002"])
            let first = try #require(try harness.movement(file: "tickets.csv.row9"))
            #expect(first.state == .accepted)
            #expect(first.ticketName == "tickets.csv, row 9", "how the office page and `today` name it")
            let result = try #require(
                FileManager.default.contents(atPath: harness.config.results + "/tickets.csv.row9.result.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: result) as? [String: Any])
            #expect(object["wasteTrackingId"] as? String == first.wasteTrackingId)
            #expect(object["notes"] as? [String] == ["from tickets.csv rows 9, 24–25"], "the rows it came from")
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.inbox).isEmpty)

            let failed = harness.config.failed
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: failed).sorted() == [
                    "tickets.csv", "tickets.csv.error.json",
                ])
            let report = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: failed + "/tickets.csv.error.json")))
                    as? [String: Any])
            let rows = try #require(report["rows"] as? [[String: Any]])
            #expect(rows.map { $0["row"] as? Int } == [11, 12, 29])
            #expect(rows.first?["column"] as? String == "Date received")
            let refusals = try RefusalStore(store: harness.store).list(openOnly: true)
            #expect(Set(refusals.map(\.sourceFile)) == ["tickets.csv.row11", "tickets.csv.row12", "tickets.csv.row29"])
            #expect(refusals.first { $0.sourceFile == "tickets.csv.row11" }?.what == "row 11 of tickets.csv")
            let status = StatusReport.build(
                facts: try harness.store.statusFacts(), config: harness.config, daemonRunning: true,
                now: Date().timeIntervalSince1970)
            let refusedLine = status.problems.first { $0.contains("3 file(s) refused") }
            #expect(refusedLine?.contains("(e.g. tickets.csv, row 1") == true, "\(status.problems)")

            // The site fixes the two dates in the refused rows and drops the file again: those two are reported
            // and their refusals are dealt with; the row with no movement stays refused.
            let text = try String(contentsOfFile: failed + "/tickets.csv", encoding: .utf8)
                .replacingOccurrences(of: "31/02/2026 10:00:00", with: "28/02/2026 10:00:00")
                .replacingOccurrences(of: "25/10/2026 01:30:00", with: "25/10/2026 03:30:00")
            try harness.drop("tickets-fixed.csv", Data(text.utf8))
            #expect(await eventually(timeout: 20) { (try? harness.allFinal(count: 4)) == true }, "\(harness.logs.text)")
            #expect(await harness.sandbox.state.listing().count == 4)
            let open = try RefusalStore(store: harness.store).list(openOnly: true).map(\.sourceFile).sorted()
            #expect(
                open == ["tickets-fixed.csv.row24", "tickets.csv.row29"],
                "\(open) (row 24: the fixed file holds only the refused rows)")
        }
    }

    @Test func aCrashBetweenCommitAndRemovalNeitherLosesNorDuplicatesRows() throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: [
            "paths.inbox": folder.sub("inbox"), "paths.failed": folder.sub("failed"),
            "paths.state": folder.sub("state"), "paths.results": folder.sub("results"),
            "site.api_code": CSVIntakeTests.apiCode,
        ])
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let store = try MovementStore(path: config.databasePath, logger: quiet)
        let ingestor = InboxIngestor(config: config, store: store, logger: quiet)
        try ingestor.prepareFolders()
        let data = try #require(FileManager.default.contents(atPath: CSVIntakeTests.fixture))
        try data.write(to: URL(fileURLWithPath: config.inbox + "/tickets.csv"))
        ingestor.scan()
        #expect(try store.list().count == 2)
        #expect(try RefusalStore(store: store).list().count == 3)
        // The daemon died after the commit, before the file was removed: its claim is found at start-up.
        try data.write(to: URL(fileURLWithPath: config.inbox + "/.dwt-relay-taking.tickets.csv"))
        let restarted = InboxIngestor(config: config, store: store, logger: quiet)
        restarted.scan()
        #expect(try store.list().count == 2, "no row stored twice")
        #expect(try RefusalStore(store: store).list().count == 3, "no row refused twice")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: config.failed).sorted() == [
                "tickets.csv", "tickets.csv.error.json",
            ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: config.inbox).isEmpty)
        // Storage refused (the database moved away, as on a failing disk): the whole file is given back.
        #expect(rename(config.databasePath, config.databasePath + ".moved") == 0)
        defer { rename(config.databasePath + ".moved", config.databasePath) }
        try data.write(to: URL(fileURLWithPath: config.inbox + "/again.csv"))
        restarted.scan()
        #expect(try FileManager.default.contentsOfDirectory(atPath: config.inbox) == ["again.csv"])
        #expect(FileManager.default.contents(atPath: config.inbox + "/again.csv") == data, "untouched")
    }
}

/// `submit` and `check-config` with CSV, through the real binary.
@Suite struct CSVCommandTests {
    @Test func submitOfACSVStoresItsMovementsAndNamesEachRefusedRow() async throws {
        let folder = TemporaryFolder()
        let config = try ProcessTests.config(folder, sandbox: nil, extra: ["site.api_code": CSVIntakeTests.apiCode])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let submitted = try await RelayProcess.run(["submit", "--config", path, CSVIntakeTests.fixture])
        #expect(submitted.status == 1, "some rows refused: \(submitted.out) \(submitted.err)")
        #expect(submitted.out.contains("(receipt-template-both-sheets.csv.row9)"), "\(submitted.out)")
        #expect(submitted.out.split(separator: "\n").count == 2)
        #expect(
            submitted.err.contains("row 11, column \"Date received\": \"31/02/2026 10:00:00\" is not a date"),
            "\(submitted.err)")
        let shown = try await RelayProcess.run(["show", "--ref", "WB-2002", "--json", "--config", path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any])
        let notes = (object["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(notes.contains("from receipt-template-both-sheets.csv rows 10, 26"), "\(notes)")
    }

    @Test func aBrokenMappingFileIsAConfigErrorNamingTheKeyAndTheHeading() async throws {
        let folder = TemporaryFolder()
        try "columns:\n  Net kg: Weight\n".write(toFile: folder.sub("map.yaml"), atomically: true, encoding: .utf8)
        let config = try ProcessTests.config(
            folder, sandbox: nil, extra: ["intake.csv_mapping_file": folder.sub("map.yaml")])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let checked = try await RelayProcess.run(["check-config", "--config", path])
        #expect(checked.status == 78)
        #expect((checked.out + checked.err).contains("intake.csv_mapping_file"), "\(checked.out) \(checked.err)")
        #expect((checked.out + checked.err).contains("\"Net kg\" → \"Weight\""), "\(checked.out) \(checked.err)")
        let run = try await RelayProcess.run(["run", "--config", path])
        #expect(run.status == 78, "\(run.err)")
    }
}
