import ArgumentParser
import DWTRelayCore
import DWTSandbox
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Show the whole product in seconds: a sandbox DWT API, the daemon, example movements and their results.")

    @Flag(name: .long, help: "Make the sandbox flaky (errors, 429s, lost answers) to show retries.") var faults = false
    @Flag(
        name: .long,
        help: "Keep the workspace and keep running: the office page shows the loads until Ctrl-C.")
    var keep = false
    @Flag(name: .long, help: "Show the daemon's log.") var verbose = false
    @Option(name: .long, help: "Folder with example movement files (default: the bundled examples).") var examples:
        String?
    @Option(name: .long, help: "Give up after this many seconds.") var timeout: Double = 120

    func run() async throws {
        LoggingSystem.bootstrap { label in
            RelayLogHandler(label: label, level: verbose ? .info : .error, format: .text)
        }
        let demo = try Demo(examplesFolder: examples, faults: faults, timeout: timeout, serve: keep)
        let ok = try await demo.run()
        if keep {
            print("\nworkspace kept: \(demo.workspace)")
        } else {
            try? FileManager.default.removeItem(atPath: demo.workspace)
        }
        if !ok { throw ExitCode(1) }
    }
}
