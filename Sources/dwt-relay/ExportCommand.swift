import ArgumentParser
import DWTRelayCore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Audit trail: one row per movement (times, reference, ID, state, warnings).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Received at or after this date.") var since: String?
    @Option(name: .long, help: "Received before this date.") var until: String?
    @Option(name: .long, help: "csv or json.") var format = ExportFormat.csv

    enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
        case csv, json
    }

    static let columns = [
        "id", "state", "receivedAt", "acceptedAt", "sourceFile", "yourUniqueReference", "wasteTrackingId", "apiCode",
        "dateTimeReceived", "attempts", "possibleDuplicate", "notFound", "warnings", "errors", "lastError",
    ]

    func run() throws {
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readOnly)
        let movements = try store.movements(
            receivedFrom: try parseDateArgument(since, option: "--since"),
            to: try parseDateArgument(until, option: "--until"))
        var sealed = 0
        let movementRows: [[String: JSONValue]] = try movements.map { stored in
            let detail = try store.detail(of: stored, withEvents: false)
            // A member of the readers' group: the audit columns without the sealed warnings and errors.
            if detail.sealed != nil { sealed += 1 }
            var row = JSONValue(encoding: detail.movement).fields
            row["sealed"] = nil
            return row
        }
        if sealed > 0 {
            printError(
                "dwt-relay: warnings and errors of \(sealed) movements are sealed with the storage key, which this "
                    + "user may not read; they are left empty (run as root to include them)")
        }
        // Refused files are loads too: the audit trail lists them, state "failed", with the reason.
        let refused: [[String: JSONValue]] = try RefusalStore(store: store).list(
            refusedFrom: try parseDateArgument(since, option: "--since"),
            to: try parseDateArgument(until, option: "--until")
        ).map { refusal in
            [
                "id": .string(refusal.handle), "state": .string("failed"),
                "receivedAt": .string(ISO8601.string(refusal.refusedAt)), "sourceFile": .string(refusal.sourceFile),
                "lastError": .string("\(refusal.field.map { $0 + ": " } ?? "")\(refusal.reason)"),
                "acknowledgedAt": refusal.acknowledgedAt.map { .string(ISO8601.string($0)) } ?? .null,
            ]
        }
        let rows = movementRows + refused
        if format == .json {
            print(JSONText.encode(rows))
            return
        }
        print(Self.columns.joined(separator: ","))
        for row in rows {
            print(Self.columns.map { Self.csvField(row[$0]) }.joined(separator: ","))
        }
    }

    static func csvField(_ value: JSONValue?) -> String {
        let text: String
        switch value {
        case nil, .null: text = ""
        case .array(let array): text = array.isEmpty ? "" : JSONText.encode(JSONValue.array(array), pretty: false)
        case .string(let string): text = string
        case let other?: text = JSONText.encode(other, pretty: false)
        }
        // A spreadsheet runs a cell that starts with = + - @ (or a tab/CR before one) as a formula: a reference
        // such as `=HYPERLINK(...)` from a weighbridge file must stay text, so it gets a leading apostrophe.
        var cell = text
        if let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            Double(cell) == nil
        {
            cell = "'" + cell
        }
        if cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return cell
    }
}
