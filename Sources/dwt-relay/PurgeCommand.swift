import ArgumentParser
import DWTRelayCore
import Foundation

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete accepted movements received before a date (the customer's right to delete).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Delete accepted movements received before this date (at least two years ago).")
    var before: String
    @Flag(name: .long, help: "Print what would be deleted and delete nothing.") var dryRun = false

    /// Duty of care: waste transfer records are kept two years; purge never deletes a younger one.
    static let minimumRetentionSeconds: Double = 2 * 365.25 * 86400

    func run() throws {
        let config = try options.loadConfig()
        let cutoff = try parseDateArgument(before, option: "--before")!
        let latest = Date().timeIntervalSince1970 - Self.minimumRetentionSeconds
        guard cutoff <= latest else {
            throw ValidationError(
                "--before \(before): records are kept at least two years (duty of care); the latest allowed is "
                    + "\(ISO8601.string(latest).prefix(10)). Nothing was deleted.")
        }
        let store = try options.openStore(config, readOnly: dryRun)
        if dryRun {
            let count = try store.countPurgeable(before: cutoff)
            print("would purge \(count) accepted movement(s) received before \(ISO8601.string(cutoff)) (dry run)")
            return
        }
        let count = try store.purgeAccepted(before: cutoff)
        print("purged \(count) accepted movement(s) received before \(ISO8601.string(cutoff))")
    }
}
