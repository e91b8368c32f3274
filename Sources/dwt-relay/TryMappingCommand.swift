import ArgumentParser
import DWTRelayCore
import Foundation

/// Shows what a sample export becomes under the mapping and the site defaults, row by row, without storing
/// or sending anything: the vendor's and the site IT person's way to check a mapping before the first load.
struct TryMappingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "try-mapping",
        abstract:
            "Show each row of a sample export (CSV, a flat JSON ticket, an XML ticket) as the movement it becomes, "
            + "with every conversion and ignored column; nothing is stored or sent. Exit 0 if every row would be "
            + "taken and passes Defra's rules, 1 otherwise.")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "A mapping file to try instead of the config's intake.mapping_file.")
    var mapping: String?
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "A sample export.") var file: String

    /// One file's outcome, as `--json` prints it.
    struct Output: Encodable {
        struct Movement: Encodable {
            var reference: String?
            var from: String?
            var body: JSONValue
            var notes: [String]
            /// What Defra's rules would refuse (offline validation).
            var errors: [String]
        }

        struct Refusal: Encodable {
            var reference: String?
            var problems: [String]
        }

        var file: String
        var movements: [Movement] = []
        var refused: [Refusal] = []
        var notes: [String] = []
    }

    func run() throws {
        let config = try options.loadConfigOrExit()
        var intake = MovementIntake(config: config)
        intake.validation = .warn
        do {
            if let mapping { intake.csvMapping = try CSVMapping(path: mapping, key: "--mapping") }
        } catch {
            printError("dwt-relay: \(error)")
            throw ExitCode(RunCommand.configErrorExitCode)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        let name = (file as NSString).lastPathComponent
        var output = Output(file: file)
        do {
            let result = try Self.read(data, name: name, intake: intake)
            output.notes = result.notes
            output.movements = result.items.map { item in
                // The origin is "from FILE rows; note; note": the file's notes are printed once, above.
                let origin = item.origin?.components(separatedBy: "; ") ?? []
                return Output.Movement(
                    reference: item.yourUniqueReference, from: origin.first,
                    body: (try? JSONDecoder().decode(JSONValue.self, from: item.body)) ?? .null,
                    notes: origin.dropFirst().filter { !result.notes.contains($0) } + item.normalised
                        + (item.filledFromDefaults.isEmpty
                            ? []
                            : ["filled from the site defaults: " + item.filledFromDefaults.joined(separator: ", ")]),
                    errors: item.localIssues.map { "\($0)" })
            }
            output.refused = result.refused.map { refused in
                Output.Refusal(reference: refused.reference, problems: refused.problems.map(\.description))
            }
        } catch {
            output.refused = [Output.Refusal(reference: nil, problems: [error.reason])]
        }
        if json {
            print(JSONText.encode(output))
        } else {
            print(Self.text(output))
        }
        let clean = output.refused.isEmpty && output.movements.allSatisfy { $0.errors.isEmpty }
        if !clean { throw ExitCode(1) }
    }

    /// The file read as the inbox would read it: a CSV, an XML ticket, a flat JSON ticket or an API body.
    static func read(_ data: Data, name: String, intake: MovementIntake) throws(IntakeRejection) -> CSVIntakeResult {
        if InboxIngestor.isCSV(name) { return try intake.checkCSV(data, source: .submit, sourceFile: name) }
        if InboxIngestor.isXML(name) {
            return try intake.checkTicket(TicketRecord.xml(data), source: .submit, sourceFile: name)
        }
        if let fields = TicketRecord.flatJSON(data) {
            return try intake.checkTicket(fields, source: .submit, sourceFile: name)
        }
        var result = CSVIntakeResult()
        result.items = [try intake.check(data, source: .submit, sourceFile: name)]
        return result
    }

    static func text(_ output: Output) -> String {
        var lines = ["\(output.file): \(output.movements.count) movement(s), \(output.refused.count) refused"]
        lines += output.notes.map { "  note: \($0)" }
        for movement in output.movements {
            let verdict = movement.errors.isEmpty ? "passes Defra's rules" : "Defra's rules would refuse it"
            lines.append("")
            lines.append("movement \(movement.reference ?? "-") (\(movement.from ?? "the file")): \(verdict)")
            lines += movement.notes.map { "  note: \($0)" }
            lines += movement.errors.map { "  error: \($0)" }
            let body = JSONText.encode(movement.body).split(separator: "\n").map { "  " + $0 }
            lines += body
        }
        for refused in output.refused {
            lines.append("")
            lines.append("REFUSED \(refused.reference.map { "movement \($0)" } ?? "file"):")
            lines += refused.problems.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
