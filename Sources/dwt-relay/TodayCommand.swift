import ArgumentParser
import DWTRelayCore
import Foundation

struct TodayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "today",
        abstract: "What the office page shows: what needs attention, then the day's loads (UK time).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Another day (YYYY-MM-DD, UK).") var date: String?

    func run() throws {
        let context = try options.context()
        let config = context.config
        let now = Date().timeIntervalSince1970
        guard let day = date.map({ UKTime.day(named: $0) }) ?? UKTime.day(containing: now) else {
            throw ValidationError("--date: expected a day like 2026-11-29, got \"\(date ?? "")\"")
        }
        let store = try context.store(.readOnly)
        let view = try OfficeDay.build(
            store: store, config: config, day: day, now: now,
            daemonRunning: DaemonLock.isHeld(stateDirectory: config.stateDirectory))
        print(view.healthLine)
        for fact in view.facts { print("  \(fact.label): \(fact.value)") }
        for site in view.sites {
            print(
                "  site \(site.name): "
                    + site.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        let items = view.problemItems
        print("\nNEEDS ATTENTION" + (items.isEmpty ? ": nothing" : " (\(items.count))"))
        for item in items {
            print("- \(item.title)")
            if !item.detail.isEmpty { print("  \(item.detail)") }
            print("  \(item.todo)")
            if let action = item.action {
                let command = action.kind == "retry" ? "retry" : "ack"
                print("  \(action.label): dwt-relay \(command) \(action.handle)")
            }
        }
        print("\nLOADS RECEIVED \(day.label) (\(view.loads.count))")
        guard !view.loads.isEmpty else { return }
        var table = TextTable([
            "ID", "TIME", "TICKET", "REFERENCE", "VEHICLE", "CARRIER", "EWC", "WEIGHT", "STATE", "WASTE-TRACKING-ID",
        ])
        table.maximumWidths = [2: 32, 3: 24, 5: 24]
        for load in view.loads {
            let movement = load.movement
            let sealed = load.summary == nil ? "sealed" : "-"
            table.add([
                "\(movement.id ?? 0)", UKTime.clock(movement.receivedAt),
                movement.ticketName,
                movement.yourUniqueReference ?? "-", load.summary?.vehicleRegistration ?? sealed,
                load.summary?.carrier ?? sealed,
                load.summary.map { $0.ewcCodes.isEmpty ? "-" : $0.ewcCodes.joined(separator: ",") } ?? sealed,
                load.summary?.weight ?? sealed, OfficePage.stateText(movement), movement.wasteTrackingId ?? "-",
            ])
        }
        print(table.render())
    }
}
