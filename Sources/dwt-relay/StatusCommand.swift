import ArgumentParser
import DWTRelayCore
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Health summary. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (monitoring-plugin convention).")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Print JSON (stable; see docs/operating.md).") var json = false

    func run() throws {
        var report: StatusReport
        do {
            let context = try options.context()
            let config = context.config
            // No state folder at all: certainly no daemon running on it.
            let running =
                DaemonLock.isHeld(stateDirectory: config.stateDirectory)
                ?? (FileManager.default.fileExists(atPath: config.stateDirectory) ? nil : false)
            let store: MovementStore?
            var absent: NoDatabaseYet?
            do {
                store = try context.store(.readOnly)
            } catch let error as NoDatabaseYet {
                // Before the first start: say so, and create nothing (a root-owned database would stop the
                // service from opening it).
                store = nil
                absent = error
            }
            report = StatusReport.build(
                facts: try store?.statusFacts(deadlineWarningSeconds: config.deadlineWarningSeconds) ?? StatusFacts(),
                config: config, daemonRunning: running, now: Date().timeIntervalSince1970,
                inbox: InboxSnapshot.read(config: config))
            if let absent { report.raise(.critical, absent.description) }
            if let store, let sites = config.configuredSites {
                let counts = try store.siteCounts()
                var perSite: [String: StatusOutput.Site] = [:]
                for site in sites {
                    perSite[site.name] = StatusOutput.Site(
                        inbox: site.inbox, apiCode: site.apiCode, nation: site.nation.rawValue,
                        counts: counts[site.name] ?? [:], waiting: InboxSnapshot.read(site.inbox)?.waiting ?? 0)
                }
                report.output?.sites = perSite
            }
        } catch {
            if json {
                print(JSONText.encode(["health": "UNKNOWN", "problems": ["UNKNOWN: \(error)"]]))
            } else {
                print("UNKNOWN: \(error)")
            }
            throw ExitCode(3)
        }
        if json {
            print(JSONText.encode(report.output))
        } else {
            print(report.summaryLine + " | " + report.perfdata)
            for problem in report.problems { print("  - \(problem)") }
            if let output = report.output {
                print(
                    "  counts: "
                        + MovementState.allCases.map { "\($0.rawValue)=\(output.count($0))" }.joined(separator: " "))
                print("  auth: \(output.auth.state.rawValue)")
                if let oldest = output.oldestPendingAt { print("  oldest pending: \(oldest)") }
            }
        }
        if report.health != .ok { throw ExitCode(report.health.exitCode) }
    }
}
