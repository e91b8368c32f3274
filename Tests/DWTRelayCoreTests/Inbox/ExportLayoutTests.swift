import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// Exports in layouts other software writes (`Fixtures/layouts`), each dropped into the inbox of the real
/// binary with its mapping file and site defaults, delivered to the sandbox with `intake.validate: reject`:
/// what the service receives is exactly the source's time, date (in the declared order), every waste item and
/// every weight, or the row is refused naming the site's own heading. Nothing silently different.
@Suite(.serialized) struct ExportLayoutTests {
    static let folder = TestFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures/layouts/"

    static let siteDefaults = """
        receiver:
          siteName: North Quarry
          authorisationNumber: PPC/A/9999999
        receipt:
          address:
            fullAddress: 1 Quarry Lane, Northtown
            postcode: NT1 2AB

        """

    /// What a run gave: the bodies the service stored, by reference, and the refusal reports in failed/.
    struct Delivered: Sendable {
        /// The stored bodies as JSON, by reference (JSON text: a parsed `[String: Any]` is not Sendable).
        var stored: [String: Data] = [:]
        var refusals: [String] = []

        var bodies: [String: [String: Any]] {
            stored.mapValues { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
        }
    }

    /// Drops `file` (bytes) into the inbox of the binary running with `mapping`, waits for `accepted`
    /// movements and `refused` error reports, and returns what reached the service.
    static func deliver(
        _ name: String, _ data: Data, mapping: String, accepted: Int, refused: Int = 0
    ) async throws -> Delivered {
        try await RelayHarness.withSandbox(ProcessTests.sandboxConfiguration) { sandbox, folder in
            try mapping.write(toFile: folder.sub("columns.yaml"), atomically: true, encoding: .utf8)
            try siteDefaults.write(toFile: folder.sub("defaults.yaml"), atomically: true, encoding: .utf8)
            let config = try ProcessTests.config(
                folder, sandbox: sandbox,
                extra: [
                    "intake.mapping_file": folder.sub("columns.yaml"),
                    "site.defaults_file": folder.sub("defaults.yaml"),
                    "intake.validate": "reject", "site.api_code": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
                ])
            let path = try RelayProcess.writeConfig(config, in: folder)
            let checked = try await RelayProcess.run(["check-config", "--config", path])
            #expect(checked.status == 0, "\(checked.out) \(checked.err)")
            let daemon = try RelayProcess(["run", "--config", path])
            defer { daemon.signal(SIGKILL) }
            #expect(await eventually(timeout: 20) { FileManager.default.fileExists(atPath: config.inbox) })
            try data.write(to: URL(fileURLWithPath: config.inbox + "/." + name + ".tmp"))
            #expect(rename(config.inbox + "/." + name + ".tmp", config.inbox + "/" + name) == 0)
            let settled = await eventually(timeout: 30) {
                let reports =
                    (try? FileManager.default.contentsOfDirectory(atPath: config.failed))?
                    .filter { $0.hasSuffix(".error.json") }.count ?? 0
                return await sandbox.state.listing().count == accepted && reports == refused
            }
            #expect(settled, "\(daemon.errorText.suffix(3000))")
            var delivered = Delivered()
            for stored in await sandbox.state.listing() {
                let body = await sandbox.state.body(of: stored.wasteTrackingId) ?? Data()
                let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
                delivered.stored[object["yourUniqueReference"] as? String ?? "?"] = body
            }
            for report in try FileManager.default.contentsOfDirectory(atPath: config.failed)
            where report.hasSuffix(".error.json") {
                delivered.refusals.append(
                    String(
                        decoding: FileManager.default.contents(atPath: config.failed + "/" + report) ?? Data(),
                        as: UTF8.self))
            }
            return delivered
        }
    }

    static func items(_ body: [String: Any]?) -> [[String: Any]] { body?["wasteItems"] as? [[String: Any]] ?? [] }

    static func weight(_ item: [String: Any]) -> (metric: String?, amount: Double?) {
        let weight = item["weight"] as? [String: Any]
        return (weight?["metric"] as? String, (weight?["amount"] as? NSNumber)?.doubleValue)
    }

    static let ticketValues = """
        values:
          Means of transport: Road
          Physical form: Solid
          Number of containers used: 1
          Type of containers: SKI
          Is the waste weight estimated?: Actual
          Does the waste contain persistent organic pollutants (POPs)?: "No"
          Is the waste hazardous?: "No"

        """

    static let transferMapping = """
        columns:
          Date In: {field: Date received, date_format: mm/dd/yyyy, time_column: Time In}
          VEHICLENO: [Vehicle registration number (if by road)]
          Haulier: Carrier organisation name
          Licence: Carrier registration number
          EWC Code: EWC code (could be multiple EWC codes for one load)
          Description: Waste description
          Net Weight: {field: Total weight of waste, unit: kg}
        compose:
          Your unique reference: "{VEHICLENO}-{Date In}-{Time In}"
        ignore: [Site, Price, Operator]

        """ + ticketValues

    /// US dates with the time in its own column, no ticket number, `8,460.000 kg`, Windows-1252 with CRLF.
    @Test func aTransferStationExportWithUSDatesAndATimeColumn() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "transfer-station-mdy.csv"))
        let delivered = try await Self.deliver("loads.csv", data, mapping: Self.transferMapping, accepted: 2)
        let first = try #require(delivered.bodies["AB12CDE-3/7/2026-11:05"], "\(delivered.bodies.keys)")
        #expect(first["dateTimeReceived"] as? String == "2026-03-07T11:05:00.000Z", "7 March, 11:05 GMT")
        let second = try #require(delivered.bodies["AB12CDE-3/7/2026-14:40"], "two loads of one vehicle, one day")
        #expect(second["dateTimeReceived"] as? String == "2026-03-07T14:40:00.000Z")
        #expect((first["carrier"] as? [String: Any])?["vehicleRegistration"] as? String == "AB12CDE")
        let item = try #require(Self.items(first).first)
        #expect(Self.weight(item).metric == "Kilograms" && Self.weight(item).amount == 8460)
        #expect(Self.weight(try #require(Self.items(second).first)).amount == 2120.5)
        #expect(item["ewcCodes"] as? [String] == ["170504"])
    }

    /// Without the declared order the same export is refused, never guessed: 3/7 reads both ways.
    @Test func anAmbiguousDateWithoutADeclaredOrderIsRefused() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "transfer-station-mdy.csv"))
        let mapping = Self.transferMapping.replacingOccurrences(of: "date_format: mm/dd/yyyy, ", with: "")
        let delivered = try await Self.deliver("loads.csv", data, mapping: mapping, accepted: 0, refused: 1)
        let report = try #require(delivered.refusals.first)
        #expect(report.contains("Date In") && report.contains("never guesses"), "\(report)")
        // And with the time column left unplaced, the date alone is not sent as midnight.
        let noTime = Self.transferMapping.replacingOccurrences(of: ", time_column: Time In", with: "")
            .replacingOccurrences(of: "-{Time In}", with: "").replacingOccurrences(
                of: "ignore: [Site, Price, Operator]", with: "ignore: [Site, Price, Operator, Time In]")
        let midnight = try await Self.deliver("loads.csv", data, mapping: noTime, accepted: 0, refused: 1)
        let refusal = try #require(midnight.refusals.first)
        #expect(refusal.contains("has no time of day") && refusal.contains("Time In"), "\(refusal)")
    }

    static let bulkMapping = """
        columns:
          Ticket Reference: Your unique reference
          Date Received: {field: Date received, date_format: dd/mm/yyyy}
          Carrier Name: Carrier organisation name
          Carrier Registration: Carrier registration number
          Vehicle Reg: Vehicle registration number (if by road)
        item_groups:
          numbers: [first, second, third]
          columns:
            "{n}WasteTypeEwcCode": EWC code
            "{n}WasteTypeWasteDescription": Waste description
            "{n}WasteTypePhysicalForm": Physical form
            "{n}WasteTypeWasteQuantity": Total weight of waste
            "{n}WasteTypeWasteQuantityUnit": Weight unit of measurement
            "{n}WasteTypeWasteQuantityType": Is the waste weight estimated?
        values:
          Means of transport: Road
          Number of containers used: 1
          Type of containers: SKI
          Does the waste contain persistent organic pollutants (POPs)?: "No"
          Is the waste hazardous?: "No"

        """

    /// Numbered column groups: every group that holds data is a waste item, in order.
    @Test func numberedColumnGroupsBecomeOneWasteItemEach() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "bulk-numbered-groups.csv"))
        let delivered = try await Self.deliver("bulk.csv", data, mapping: Self.bulkMapping, accepted: 1)
        let body = try #require(delivered.bodies["BK-7001"])
        #expect(body["dateTimeReceived"] as? String == "2026-01-14T09:30:00.000Z")
        let items = Self.items(body)
        #expect(items.count == 2, "the third group is empty: \(items)")
        #expect(items.map { $0["ewcCodes"] as? [String] ?? [] } == [["170107"], ["150101"]])
        #expect(items.map { Self.weight($0).amount } == [8.2, 0.41])
        #expect(items.allSatisfy { Self.weight($0).metric == "Tonnes" })
        #expect(items.last?["wasteDescription"] as? String == "Cardboard")
    }

    /// A group left out of the mapping that holds data refuses its row, naming the site's heading.
    @Test func anUnmappedNumberedGroupRefusesTheRow() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "bulk-numbered-groups.csv"))
        let mapping = Self.bulkMapping.replacingOccurrences(
            of: "numbers: [first, second, third]", with: "numbers: [first]")
        let delivered = try await Self.deliver("bulk.csv", data, mapping: mapping, accepted: 0, refused: 1)
        let report = try #require(delivered.refusals.first)
        #expect(report.contains("secondWasteTypeEwcCode") && report.contains("no mapping"), "\(report)")
    }

    /// Defra's later template: "Time received" in its own column is the date's time of day, with no mapping.
    @Test func theTemplatesTimeReceivedColumnIsTheTimeOfDay() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "template-time-received.csv"))
        let delivered = try await Self.deliver("template.csv", data, mapping: "{}\n", accepted: 1)
        let body = try #require(delivered.bodies["WB-3001"])
        #expect(body["dateTimeReceived"] as? String == "2026-01-14T11:05:00.000Z", "not midnight")
        #expect(Self.weight(try #require(Self.items(body).first)).amount == 7.25)
    }

    /// A flat JSON ticket, read like one row through the mapping.
    @Test func aFlatJSONTicketThroughTheMapping() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "webapp-ticket.json"))
        let mapping =
            """
            columns:
              ticketNumber: Your unique reference
              dateIn: {field: Date received, time_column: timeIn}
              vehicleReg: Vehicle registration number
              haulierName: Carrier organisation name
              haulierLicence: Carrier registration number
              ewcCode: EWC code
              product: Waste description
              netKg: {field: Total weight of waste, unit: kg}
            ignore: [grossKg, tareKg, customer, price, paid]

            """ + Self.ticketValues
        let delivered = try await Self.deliver("WB-88231.json", data, mapping: mapping, accepted: 1)
        let body = try #require(delivered.bodies["WB-88231"])
        #expect(body["dateTimeReceived"] as? String == "2026-01-14T09:12:00.000Z")
        let item = try #require(Self.items(body).first)
        #expect(Self.weight(item).amount == 8460 && Self.weight(item).metric == "Kilograms")
        #expect(item["wasteDescription"] as? String == "Mixed C&D")
    }

    /// Without a mapping, a flat JSON ticket is refused saying what it is and where the mapping goes.
    @Test func aFlatJSONTicketWithoutAMappingSaysWhatItIs() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "webapp-ticket.json"))
        let delivered = try await Self.deliver("WB-88231.json", data, mapping: "{}\n", accepted: 0, refused: 1)
        let report = try #require(delivered.refusals.first)
        #expect(report.contains("looks like a ticket") && report.contains("intake.mapping_file"), "\(report)")
    }

    /// A one-ticket XML document: its elements are the fields.
    @Test func anXMLTicketThroughTheMapping() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "accounting-ticket.xml"))
        let mapping =
            """
            columns:
              TicketNo: Your unique reference
              DateIn: {field: Date received, date_format: dd/mm/yyyy, time_column: TimeIn}
              Name: Carrier organisation name
              Licence: Carrier registration number
              Vehicle: Vehicle registration number
              EWC: EWC code
              Material: Waste description
              NetWeight: {field: Total weight of waste, unit: t}
            ignore: [Customer, Amount]

            """ + Self.ticketValues
        let delivered = try await Self.deliver("T-5512.xml", data, mapping: mapping, accepted: 1)
        let body = try #require(delivered.bodies["T-5512"])
        #expect(body["dateTimeReceived"] as? String == "2026-01-14T10:20:00.000Z")
        #expect((body["carrier"] as? [String: Any])?["organisationName"] as? String == "Brook Recycling")
        let item = try #require(Self.items(body).first)
        #expect(Self.weight(item).amount == 3.12 && Self.weight(item).metric == "Tonnes")
        // Leave out the account fields from ignore: the ticket is refused naming them, nothing sent.
        let strict = mapping.replacingOccurrences(of: "ignore: [Customer, Amount]", with: "")
        let refused = try await Self.deliver("T-5512.xml", data, mapping: strict, accepted: 0, refused: 1)
        let report = try #require(refused.refusals.first)
        #expect(report.contains("Customer") && report.contains("Parks Dept"), "\(report)")
    }

    /// `try-mapping` shows each row as the movement it becomes, with how it was read, storing nothing; and
    /// `check-config` refuses the mappings that cannot be right before any file is read.
    @Test func tryMappingShowsTheMovementsAndCheckConfigRefusesBadMappings() async throws {
        let folder = TemporaryFolder()
        try Self.transferMapping.write(toFile: folder.sub("columns.yaml"), atomically: true, encoding: .utf8)
        try Self.siteDefaults.write(toFile: folder.sub("defaults.yaml"), atomically: true, encoding: .utf8)
        let config = try ProcessTests.config(
            folder, sandbox: nil,
            extra: [
                "intake.mapping_file": folder.sub("columns.yaml"), "site.defaults_file": folder.sub("defaults.yaml"),
                "site.api_code": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
            ])
        let path = try RelayProcess.writeConfig(config, in: folder)
        let tried = try await RelayProcess.run([
            "try-mapping", "--config", path, "--json", Self.folder + "transfer-station-mdy.csv",
        ])
        #expect(tried.status == 0, "\(tried.out) \(tried.err)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(tried.out.utf8)) as? [String: Any])
        let movements = output["movements"] as? [[String: Any]] ?? []
        #expect(movements.map { $0["reference"] as? String } == ["AB12CDE-3/7/2026-11:05", "AB12CDE-3/7/2026-14:40"])
        let notes = movements.first?["notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("read as mm/dd/yyyy: 2026-03-07 11:05 UK time") }, "\(notes)")
        #expect((output["notes"] as? [String] ?? []).contains { $0.contains("\"Price\"") }, "ignored columns said")
        #expect(!FileManager.default.fileExists(atPath: config.databasePath), "nothing stored")

        let bad: [(String, String)] = [
            ("columns:\n  Ticket: Your unique reference\n  Ref: Your unique reference\n", "both fill"),
            ("columns:\n  Ticket: Ticket number\n", "neither a heading of Defra's template"),
            ("columns:\n  Date In: {field: Date received, date_format: dd/yy}\n", "cannot be read"),
            ("columns:\n  Haulier: {field: Carrier organisation name, unit: kg}\n", "unit is for a weight column"),
            ("compose:\n  Your unique reference: \"{Ticket\"\n", "without its }"),
            ("columns:\n  A: Your unique reference\nignore: [A]\n", "keep one"),
        ]
        for (text, expected) in bad {
            try text.write(toFile: folder.sub("columns.yaml"), atomically: true, encoding: .utf8)
            let checked = try await RelayProcess.run(["check-config", "--config", path])
            #expect(checked.status == 78, "\(text)")
            #expect(checked.out.contains(expected), "\(text): \(checked.out)")
        }
    }

    /// An XML ticket's attributes are fields too (`NetWeight@unit`), to place or ignore like any other; text
    /// beside child elements is refused, never dropped.
    @Test func nothingAnXMLTicketHoldsIsLeftOut() throws {
        let fields = try TicketRecord.xml(
            Data(#"<Ticket no="T-9"><NetWeight unit="t">3.12</NetWeight><Note>dry</Note></Ticket>"#.utf8))
        #expect(fields.map(\.name) == ["Ticket@no", "NetWeight@unit", "NetWeight", "Note"])
        #expect(fields.first { $0.name == "NetWeight@unit" }?.value == "t")
        #expect(throws: IntakeRejection.self) {
            _ = try TicketRecord.xml(Data("<Ticket>loose text<EWC>170504</EWC></Ticket>".utf8))
        }
    }
}
