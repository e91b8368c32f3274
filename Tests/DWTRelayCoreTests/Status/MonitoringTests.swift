import DWTRelayTestSupport
import Foundation
import Testing
import Yams

/// The fleet's Prometheus rules, their tests, the agent, central and Alertmanager examples and the
/// dashboard (`monitoring/`), checked with Prometheus's own tools; and each alert's runbook link points at
/// a section that exists in the docs.
@Suite struct MonitoringTests {
    static let root = TestFixtures.packageRoot + "/monitoring"

    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool; nil output when the tool is not installed (recorded as a known issue: CI installs it).
    static func run(_ name: String, _ arguments: [String], in folder: String = root) throws -> (Int32, String)? {
        guard let path = tool(name) else {
            withKnownIssue(
                "\(name) is not installed here (apt-get install prometheus prometheus-alertmanager); CI runs it"
            ) {
                Issue.record("\(name) missing")
            }
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func rulesAndTheirTestsPassPromtool() throws {
        for arguments in [
            ["check", "rules", "prometheus/dwt-relay-rules.yml", "prometheus/tests/dashboard-queries.yml"],
            ["test", "rules", "prometheus/tests/dwt-relay-rules-test.yml"],
            ["check", "config", "--agent", "prometheus/agent.yml"],
        ] {
            guard let (status, output) = try Self.run("promtool", arguments) else { return }
            #expect(status == 0, "promtool \(arguments.joined(separator: " ")):\n\(output)")
        }
        guard
            let (status, output) = try Self.run(
                "promtool", ["check", "config", "central.yml"], in: Self.root + "/prometheus")
        else { return }
        #expect(status == 0, "\(output)")
    }

    @Test func theAlertmanagerExampleIsValid() throws {
        guard let (status, output) = try Self.run("amtool", ["check-config", "alertmanager/alertmanager.yml"]) else {
            return
        }
        #expect(status == 0, "\(output)")
    }

    /// Every alert has a severity, a summary naming the site, a runbook link to a section that exists, and a
    /// case in the promtool tests.
    @Test func everyAlertSaysWhatToDoAndIsTested() throws {
        let rules = try String(contentsOfFile: Self.root + "/prometheus/dwt-relay-rules.yml", encoding: .utf8)
        let tests = try String(
            contentsOfFile: Self.root + "/prometheus/tests/dwt-relay-rules-test.yml", encoding: .utf8)
        let groups = (try Yams.load(yaml: rules) as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        let alerts = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }.filter { $0["alert"] != nil }
        #expect(alerts.count >= 12)
        for alert in alerts {
            let name = alert["alert"] as? String ?? "?"
            let labels = alert["labels"] as? [String: Any] ?? [:]
            let annotations = alert["annotations"] as? [String: Any] ?? [:]
            #expect(["critical", "warning", "info"].contains(labels["severity"] as? String ?? ""), "\(name)")
            #expect((annotations["summary"] as? String ?? "").contains("$labels.site"), "\(name) names the site")
            #expect(tests.contains("alertname: \(name)"), "\(name) has a promtool test")
            let link = annotations["runbook_url"] as? String ?? ""
            let parts = link.split(separator: "#").map(String.init)
            #expect(parts.count == 2, "\(name): runbook_url \(link)")
            guard parts.count == 2 else { continue }
            let page = try String(contentsOfFile: TestFixtures.packageRoot + "/" + parts[0], encoding: .utf8)
            let anchors = page.components(separatedBy: "\n").filter { $0.hasPrefix("#") }.map(Self.slug)
            #expect(anchors.contains(parts[1]), "\(name): no section #\(parts[1]) in \(parts[0])")
        }
    }

    /// The dashboard's queries are the ones `dashboard-queries.yml` hands promtool.
    @Test func theDashboardQueriesAreTheCheckedOnes() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/grafana/dwt-relay-fleet.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        let queries = panels.flatMap { $0["targets"] as? [[String: Any]] ?? [] }.compactMap { $0["expr"] as? String }
            .map {
                $0.replacingOccurrences(of: "{site_group=~\"$site_group\",site=~\"$site\"}", with: "")
                    .replacingOccurrences(of: "{site=~\"$site\"}", with: "")
            }
        let checked = try String(
            contentsOfFile: Self.root + "/prometheus/tests/dashboard-queries.yml", encoding: .utf8)
        let rules =
            ((try Yams.load(yaml: checked) as? [String: Any])?["groups"] as? [[String: Any]])?.first?["rules"]
            as? [[String: Any]] ?? []
        #expect(queries == rules.compactMap { $0["expr"] as? String })
        #expect(!queries.isEmpty)
    }

    /// GitHub's anchor for a heading line.
    static func slug(_ heading: String) -> String {
        let text = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
        return String(
            text.compactMap { character -> Character? in
                if character == " " { return "-" }
                return character.isLetter || character.isNumber || character == "-" || character == "_"
                    ? character : nil
            })
    }
}
