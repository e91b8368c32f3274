import ArgumentParser
import DWTRelayCore
import Foundation

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Release held movements (or make queued ones due now).")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Release every held movement.") var allHeld = false
    @Argument(help: "Local movement IDs.") var ids: [Int64] = []

    func run() throws {
        guard allHeld || !ids.isEmpty else { throw ValidationError("give movement IDs or --all-held") }
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readWrite)
        let now = Date().timeIntervalSince1970
        var released = try store.release(ids: allHeld ? nil : ids, byOperator: true, now: now)
        if !allHeld {
            released += try store.makeDueNow(ids: ids.filter { !released.contains($0) }, now: now)
        }
        for id in allHeld ? [] : ids where !released.contains(id) {
            let state = try store.movement(id)?.state.rawValue ?? "unknown id"
            printError("dwt-relay: \(id): not released (\(state)); only held or queued movements can be retried")
        }
        print("released \(released.count) movement(s)")
        if !released.isEmpty { WakeSocket.nudge(databasePath: config.databasePath, .operatorRelease) }
        if !allHeld && released.count < Set(ids).count { throw ExitCode(1) }
    }
}
