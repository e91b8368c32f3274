import ArgumentParser
import DWTRelayCore
import Foundation

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete accepted movements received before a date (the customer's right to delete).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Delete accepted movements received before this date.") var before: String

    func run() throws {
        let config = try options.loadConfig()
        let store = try options.openStore(config)
        let cutoff = try parseDateArgument(before, option: "--before")!
        let count = try store.purgeAccepted(before: cutoff)
        print("purged \(count) accepted movement(s) received before \(ISO8601.string(cutoff))")
    }
}
