import ArgumentParser
import DWTRelayCore
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List movements, newest first.")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Only this state: queued, sending, accepted, rejected, held, superseded.") var state:
        String?
    @Flag(name: .long, help: "Only movements flagged possibleDuplicate.") var possibleDuplicates = false
    @Option(name: .long, help: "At most this many.") var limit = 1000
    @Option(name: .long, help: "Only this site (multi-site configs).") var site: String?
    @Flag(name: .long, help: "Print JSON (stable; see README).") var json = false

    func run() throws {
        var filter: MovementState? = nil
        if let state {
            guard let parsed = MovementState(rawValue: state) else {
                throw ValidationError(
                    "--state: unknown state \"\(state)\" (one of \(MovementState.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            filter = parsed
        }
        let config = try options.loadConfig()
        let store = try options.openStore(config)
        if let site, config.site(named: site) == nil {
            throw ValidationError("--site: no site named \"\(site)\" in the config")
        }
        let movements = try store.list(
            state: filter, possibleDuplicatesOnly: possibleDuplicates, site: site, limit: limit)
        if json {
            print(JSONText.encode(movements.map(\.listJSON)))
            return
        }
        print(
            ["ID", "STATE", "RECEIVED", "FILE", "REFERENCE", "WASTE-TRACKING-ID", "TRIES", "LAST ERROR"].joined(
                separator: "\t"))
        for movement in movements {
            var state = movement.state.rawValue
            if movement.possibleDuplicate { state += "*" }
            print(
                [
                    "\(movement.id ?? 0)", state, ISO8601.string(movement.receivedAt), movement.sourceFile ?? "-",
                    movement.yourUniqueReference ?? "-", movement.wasteTrackingId ?? "-", "\(movement.attempts)",
                    movement.lastError ?? "",
                ].joined(separator: "\t"))
        }
    }
}
