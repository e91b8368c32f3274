import Foundation

/// Sends each approval scenario once and checks the outcome against what the scenario expects.
public struct ApprovalRunner: Sendable {
    public struct Result: Sendable, Encodable {
        public let scenario: ApprovalScenario
        public let outcome: String
        public let passed: Bool
        /// The waste tracking ID, or for rejections the time of the answer (what Defra asks vendors to send).
        public let evidence: String
        public let detail: String?

        enum CodingKeys: String, CodingKey { case scenario, title, expected, outcome, passed, evidence, detail }

        /// `pat --json`'s line for a scenario (`detail` is `null` when there is none).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scenario.id, forKey: .scenario)
            try container.encode(scenario.title, forKey: .title)
            try container.encode(scenario.expectation.rawValue, forKey: .expected)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(passed, forKey: .passed)
            try container.encode(evidence, forKey: .evidence)
            try container.encode(detail, forKey: .detail)
        }
    }

    let client: ReceiptClient

    public init(client: ReceiptClient) { self.client = client }

    public func run(_ scenarios: [ApprovalScenario], apiCode: String) async -> [Result] {
        var results: [Result] = []
        for scenario in scenarios { results.append(await run(scenario, apiCode: apiCode)) }
        return results
    }

    func run(_ scenario: ApprovalScenario, apiCode: String) async -> Result {
        let token: String
        do {
            token = try await client.tokens.token()
        } catch {
            return Result(scenario: scenario, outcome: "no token", passed: false, evidence: "-", detail: "\(error)")
        }
        let time = ISO8601.string(Date().timeIntervalSince1970)
        do {
            let response = try await client.send(payload: scenario.body(apiCode: apiCode), target: nil, token: token)
            let warnings = response.warningsJSON != nil
            switch response.status {
            case 201:
                let outcome = warnings ? "201 with warnings" : "201"
                let passed = scenario.expectation == (warnings ? .acceptedWithWarning : .accepted)
                return Result(
                    scenario: scenario, outcome: outcome, passed: passed, evidence: response.wasteTrackingId ?? "-",
                    detail: passed ? nil : "expected \(scenario.expectation.rawValue)")
            case 400:
                return Result(
                    scenario: scenario, outcome: "400", passed: scenario.expectation == .rejected, evidence: time,
                    detail: response.firstErrorSummary)
            default:
                return Result(
                    scenario: scenario, outcome: "\(response.status)", passed: false, evidence: time,
                    detail: String(decoding: response.body.prefix(300), as: UTF8.self))
            }
        } catch {
            return Result(scenario: scenario, outcome: "no answer", passed: false, evidence: time, detail: "\(error)")
        }
    }
}
