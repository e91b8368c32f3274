import ArgumentParser
import DWTRelayCore
import Foundation

/// An operator has dealt with a rejected movement or a refused file (reported it another way, or decided
/// it was not a load): it stops holding `status` at WARNING. A corrected file does the same by itself.
struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge rejected movements (ID) or refused files (F<id>) an operator has dealt with.")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Every rejected movement and refused file not yet dealt with.") var all = false
    @Flag(
        name: .long,
        help: "The loss of the earlier database has been dealt with (its loads restored or dropped again).")
    var databaseLoss = false
    @Argument(help: "Movement IDs (as `list` shows them) and refused files (F<id>, as `list --state failed` shows).")
    var ids: [String] = []

    func run() throws {
        guard all || !ids.isEmpty || databaseLoss else {
            throw ValidationError("give IDs (12, F3), --all or --database-loss")
        }
        var movements: [Int64] = []
        var refusals: [Int64] = []
        for id in ids {
            if let number = Refusal.id(fromHandle: id) {
                refusals.append(number)
            } else if let number = Int64(id) {
                movements.append(number)
            } else {
                throw ValidationError("\"\(id)\" is neither a movement ID (12) nor a refused file (F3)")
            }
        }
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readWrite)
        if databaseLoss {
            let status = ServiceStatusStore(store: store)
            guard let loss = try store.statusFacts().service.databaseLoss else {
                printError("dwt-relay: no lost database is recorded")
                throw ExitCode(1)
            }
            try status.set(ServiceStateKey.databaseLoss, nil)
            print("acknowledged the loss of database \(loss.previousID)")
            if ids.isEmpty && !all { return }
        }
        let result = try store.acknowledge(
            movementIDs: movements, refusalIDs: refusals, all: all, now: Date().timeIntervalSince1970)
        print("acknowledged \(result.movements.count) rejected movement(s), \(result.refusals.count) refused file(s)")
        for id in result.refused {
            printError(
                "dwt-relay: \(id): not acknowledged (unknown, already acknowledged, or not a rejected movement)")
        }
        if !result.refused.isEmpty { throw ExitCode(1) }
    }
}
