import ArgumentParser
import DWTRelayCore
import Foundation
import Logging

struct PatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pat",
        abstract:
            "Run Defra's production approval test scenarios (synthetic data) against the configured API and print the table Defra asks for."
    )

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Run only this scenario (e.g. R01).") var scenario: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        let config = try options.loadConfig()
        guard let apiCode = config.siteAPICode else {
            throw ConfigError(
                key: "site.api_code", "pat needs the organisation's apiCode (a test apiCode for the test environment)")
        }
        var scenarios = ApprovalScenario.all
        if let scenario {
            scenarios = scenarios.filter { $0.id.caseInsensitiveCompare(scenario) == .orderedSame }
            guard !scenarios.isEmpty else {
                throw ValidationError(
                    "--scenario: unknown \(scenario); known: \(ApprovalScenario.all.map(\.id).joined(separator: ", "))")
            }
        }
        let logger = Logger(label: "dwt-relay.pat") { _ in SwiftLogNoOpLogHandler() }
        let client = try ReceiptClient(config: config, clientSecret: try config.readClientSecret(), logger: logger)
        let results = await ApprovalRunner(client: client).run(scenarios, apiCode: apiCode)
        await client.shutdown()
        if json {
            print(JSONText.encode(results.map(\.json)))
        } else {
            print("Production approval tests against \(config.baseURL)\n")
            print(["SCENARIO", "EXPECTED", "OUTCOME", "RESULT", "WASTE TRACKING ID / TIME"].joined(separator: "\t"))
            for result in results {
                print(
                    [
                        result.scenario.id, result.scenario.expectation.rawValue, result.outcome,
                        result.passed ? "PASS" : "FAIL", result.evidence,
                    ]
                    .joined(separator: "\t"))
                if !result.passed, let detail = result.detail { print("\t\(detail)") }
            }
            print("\n\(results.filter(\.passed).count) passed, \(results.filter { !$0.passed }.count) failed")
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
