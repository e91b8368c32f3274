import ArgumentParser
import DWTRelayCore
import Foundation

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete accepted movements received before a date (the customer's right to delete).")

    @OptionGroup var options: GlobalOptions
    @Option(
        name: .long,
        help:
            "Delete accepted movements received before this date (older than retention.records_days, at least two years)."
    )
    var before: String
    @Flag(name: .long, help: "Print what would be deleted and delete nothing.") var dryRun = false

    func run() throws {
        let context = try options.context()
        let config = context.config
        let cutoff = try parseDateArgument(before, option: "--before")!
        // Duty of care keeps waste records two years; the config may keep them longer, never shorter.
        let days = config.recordsRetentionDays
        let latest = Date().timeIntervalSince1970 - Double(days) * 86_400
        guard cutoff <= latest else {
            throw ValidationError(
                "--before \(before): records are kept \(days) days (retention.records_days; duty of care keeps them "
                    + "at least two years); the latest allowed is \(ISO8601.string(latest).prefix(10)). Nothing was deleted."
            )
        }
        let store = try context.store(dryRun ? .readOnly : .readWrite)
        if dryRun {
            let count = try store.countPurgeable(before: cutoff)
            print("would purge \(count) accepted movement(s) received before \(ISO8601.string(cutoff)) (dry run)")
            return
        }
        let count = try store.purgeAccepted(before: cutoff)
        print("purged \(count) accepted movement(s) received before \(ISO8601.string(cutoff))")
    }
}
