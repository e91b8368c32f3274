import ArgumentParser
import DWTRelayCore
import Foundation

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract:
            "Store movements now (files, or - for stdin) and print their local IDs. Works with or without the daemon.")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Option(name: .long, help: "The site these movements belong to (multi-site configs; default: the first).")
    var site: String?
    @Argument(help: "Movement files (JSON, or CSV in Defra's receipt-of-waste layout), or - to read one from stdin.")
    var paths: [String]

    func run() throws {
        let context = try options.context()
        let config = context.config
        let store = try context.store(.storing)
        guard let chosen = config.site(named: site) else {
            throw ValidationError("--site: no site named \"\(site ?? "")\" in the config")
        }
        // The lists the daemon last fetched (its cache in the store), as the inbox and the local API check with.
        let intake = IntakeFactory(config: config, store: store).intake(for: chosen)
        var items: [(path: String, item: IntakeItem)] = []
        var output = SubmitOutput()
        for path in paths {
            do {
                let data: Data
                let name: String?
                if path == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                    name = nil
                } else {
                    var info = stat()
                    guard stat(path, &info) == 0 else {
                        throw IntakeRejection("cannot read: \(String(cString: strerror(errno)))")
                    }
                    guard (info.st_mode & S_IFMT) == S_IFREG else { throw IntakeRejection("not a regular file") }
                    guard let contents = FileManager.default.contents(atPath: path) else {
                        throw IntakeRejection("cannot read (permissions?)")
                    }
                    data = contents
                    name = (path as NSString).lastPathComponent
                }
                let ticket = name.map { InboxIngestor.isXML($0) } == true || TicketRecord.flatJSON(data) != nil
                if let name, InboxIngestor.isCSV(name) || ticket {
                    // The same reading as the inbox's: a CSV export, or a ticket through the mapping.
                    let result = try TryMappingCommand.read(data, name: name, intake: intake)
                    for note in result.notes { printError("dwt-relay: \(path): \(note)") }
                    items += result.items.map { (path + " " + ($0.sourceFile.map { "(\($0))" } ?? ""), $0) }
                    for refused in result.refused {
                        let problems = refused.problems.map(\.description).joined(separator: "; ")
                        output.failed.append(
                            .init(path: path, error: problems, field: refused.problems.first?.column))
                        printError("dwt-relay: \(path): \(problems)")
                    }
                } else {
                    items.append((path, try intake.check(data, source: .submit, sourceFile: name)))
                }
            } catch let rejection as IntakeRejection {
                output.failed.append(.init(path: path, error: rejection.description, field: rejection.field))
                printError("dwt-relay: \(path): \(rejection)")
            }
        }
        let results = try store.ingest(items.map(\.item))
        if results.contains(where: { if case .stored = $0 { true } else { false } }) {
            WakeSocket.nudge(databasePath: config.databasePath)
        }
        if json {
            for (entry, result) in zip(items, results) { output.add(path: entry.path, result) }
            print(JSONText.encode(output))
        } else {
            for (entry, result) in zip(items, results) {
                switch result {
                case .stored(let id): print("\(id)\t\(entry.path)")
                case .duplicate(let id): print("\(id)\t\(entry.path)\t(already stored)")
                }
            }
        }
        if !output.failed.isEmpty { throw ExitCode(1) }
    }
}
