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
    @Flag(
        name: .long,
        help:
            "Then send each scenario's waste tracking ID to Defra's PAT endpoint and show its Pass/Fail (test environment)."
    ) var submit = false
    @Option(name: .long, help: "The PAT endpoint (default: <api.base_url>/production-approval-tests).")
    var patURL: String?
    @Flag(
        name: .long,
        help: "Allow running against Defra's production API (its scenarios are synthetic loads that would be filed).")
    var production = false

    /// Defra's production host (receipt-api.yml `servers`); its test environment is `...integration.api...`.
    static let productionHost = "waste-tracking.api.defra.gov.uk"

    func run() async throws {
        let context = try options.context()
        let config = context.config
        guard let apiCode = config.siteAPICode else {
            throw ConfigError(
                key: "site.api_code", "pat needs the organisation's apiCode (a test apiCode for the test environment)")
        }
        if URL(string: config.baseURL)?.host?.lowercased() == Self.productionHost && !production {
            throw ValidationError(
                "api.base_url is Defra's production API (\(config.baseURL)): pat files synthetic loads as real "
                    + "records. Point api.base_url at the test environment "
                    + "(https://waste-tracking.integration.api.defra.gov.uk), or pass --production if Defra asked for it."
            )
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
        var verdicts: [String: ApprovalAssessment.Outcome] = [:]
        var submission: String?
        var submitError: String?
        if submit {
            // Only the scenarios the endpoint assesses, and only those that got an ID (C01 and H02 are
            // rejections and are reported by time, as before).
            let entries = results.filter { ApprovalAssessment.scenarioIDs.contains($0.scenario.id) && $0.passed }
                .filter { $0.outcome.hasPrefix("201") }
                .map { ApprovalAssessment.Entry(scenarioId: $0.scenario.id, wasteTrackingId: $0.evidence) }
            if entries.isEmpty {
                submitError = "no scenario produced a waste tracking ID to submit"
            } else {
                do {
                    let token = try await client.tokens.token()
                    let answer = try await client.submitApprovalTests(entries, url: patURL, token: token)
                    submission = answer.submissionId
                    for outcome in answer.outcomes { verdicts[outcome.scenarioId] = outcome }
                } catch {
                    submitError = "\(error)"
                }
            }
        }
        await client.shutdown()
        if json {
            if submit {
                let entries = results.map { PatOutput.Entry(result: $0, defra: verdicts[$0.scenario.id]) }
                print(
                    JSONText.encode(PatOutput(results: entries, submissionId: submission, submitError: submitError)))
            } else {
                print(JSONText.encode(results))
            }
        } else {
            print("Production approval tests against \(config.baseURL)\n")
            var header = ["SCENARIO", "EXPECTED", "OUTCOME", "RESULT", "WASTE TRACKING ID / TIME"]
            if submit { header.append("DEFRA") }
            print(header.joined(separator: "\t"))
            for result in results {
                var row = [
                    result.scenario.id, result.scenario.expectation.rawValue, result.outcome,
                    result.passed ? "PASS" : "FAIL", result.evidence,
                ]
                if submit { row.append(verdicts[result.scenario.id].map { $0.passed ? "Pass" : "Fail" } ?? "-") }
                print(row.joined(separator: "\t"))
                if !result.passed, let detail = result.detail { print("\t\(detail)") }
                if let verdict = verdicts[result.scenario.id], !verdict.passed { print("\tDefra: \(verdict.message)") }
            }
            print("\n\(results.filter(\.passed).count) passed, \(results.filter { !$0.passed }.count) failed")
            if let submission {
                let failed = verdicts.values.filter { !$0.passed }.count
                print("Defra's PAT endpoint: submission \(submission), \(verdicts.count - failed) Pass, \(failed) Fail")
            }
            if let submitError { print("Defra's PAT endpoint: not submitted: \(submitError)") }
        }
        let defraFailed = submit && (submitError != nil || verdicts.values.contains { !$0.passed })
        if results.contains(where: { !$0.passed }) || defraFailed { throw ExitCode(1) }
    }
}

/// `pat --submit --json`: each scenario's result with Defra's verdict, and the submission's id or error.
struct PatOutput: Encodable {
    struct Entry: Encodable {
        var result: ApprovalRunner.Result
        var defra: ApprovalAssessment.Outcome?

        enum CodingKeys: String, CodingKey { case defra }

        /// The result's own fields, and `defra` beside them when Defra gave a verdict.
        func encode(to encoder: any Encoder) throws {
            try result.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(defra, forKey: .defra)
        }
    }

    var results: [Entry]
    var submissionId: String?
    var submitError: String?
}
