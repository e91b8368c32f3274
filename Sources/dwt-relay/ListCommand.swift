import ArgumentParser
import DWTRelayCore
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List movements, newest first.")

    @OptionGroup var options: GlobalOptions
    @Option(
        name: .long,
        help: "Only this state: queued, sending, accepted, rejected, held, superseded; or failed (refused files).")
    var state: ListedState?
    @Flag(name: .long, help: "Only movements flagged possibleDuplicate.") var possibleDuplicates = false
    @Option(name: .long, help: "At most this many.") var limit = 1000
    @Option(name: .long, help: "Only this site (multi-site configs).") var site: String?
    @Option(name: .long, help: "Only movements with this yourUniqueReference or ticket file name.") var ref: String?
    @Flag(name: .long, help: "Print JSON (stable; see docs/operating.md).") var json = false

    func run() throws {
        var filter: MovementState? = nil
        switch state {
        case .failed: return try listRefusals()
        case .movement(let chosen): filter = chosen
        case nil: break
        }
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readOnly)
        if let site, config.site(named: site) == nil {
            throw ValidationError("--site: no site named \"\(site)\" in the config")
        }
        let movements = try store.list(
            state: filter, possibleDuplicatesOnly: possibleDuplicates, site: site, reference: ref, limit: limit)
        if json {
            print(JSONText.encode(movements.map(MovementSummary.init)))
            return
        }
        // Aligned, in UK local time: what an office reads. `--json` keeps UTC for scripts.
        var table = TextTable([
            "ID", "STATE", "RECEIVED", "FILE", "REFERENCE", "WASTE-TRACKING-ID", "TRIES", "LAST ERROR",
        ])
        table.maximumWidths = [3: 40, 4: 30]
        for movement in movements {
            var state = movement.state.rawValue
            if movement.possibleDuplicate { state += "*" }
            if let reason = movement.holdReason { state += " (\(reason.rawValue))" }
            table.add([
                "\(movement.id ?? 0)", state, TextTable.ukTime(movement.receivedAt), movement.sourceFile ?? "-",
                movement.yourUniqueReference ?? "-", movement.wasteTrackingId ?? "-", "\(movement.attempts)",
                movement.lastError ?? "",
            ])
        }
        print(table.render())
        if movements.contains(where: \.possibleDuplicate) { print("* possibleDuplicate: check the service for a copy") }
    }

    /// Files refused into `failed/`: the loads that never became movements.
    func listRefusals() throws {
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readOnly)
        let open = Set(try RefusalStore(store: store).list(openOnly: true, site: site, limit: limit).compactMap(\.id))
        let refusals = try RefusalStore(store: store).list(site: site, limit: limit)
        if json {
            print(JSONText.encode(refusals.map { RefusalOutput($0, open: open.contains($0.id ?? -1)) }))
            return
        }
        var table = TextTable(["ID", "STATE", "REFUSED", "FILE", "FIELD", "REASON"])
        table.maximumWidths = [3: 40, 4: 30]
        for refusal in refusals {
            let state = open.contains(refusal.id ?? -1) ? "failed" : "failed (dealt with)"
            table.add([
                refusal.handle, state, TextTable.ukTime(refusal.refusedAt), refusal.sourceFile, refusal.field ?? "-",
                refusal.reason,
            ])
        }
        print(table.render())
    }
}
