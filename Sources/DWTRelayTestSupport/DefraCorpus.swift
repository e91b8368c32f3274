import DWTRelayCore
import Foundation

/// `conformance/defra-corpus.json`: request bodies with what Defra's own code answers to them (see
/// conformance/README.md), and the comparison of an answer of ours with it.
public struct DefraCorpus: Sendable {
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var errors: [ValidationIssue]
        public var warnings: [ValidationIssue]

        public init(status: Int, errors: [ValidationIssue], warnings: [ValidationIssue]) {
            self.status = status
            self.errors = errors
            self.warnings = warnings
        }

        /// Same status and the same keys and error types in the same order (messages aside).
        public func agreesInSubstance(with other: Answer) -> Bool {
            status == other.status && errors.map(\.key) == other.errors.map(\.key)
                && errors.map(\.errorType) == other.errors.map(\.errorType)
                && warnings.map(\.key) == other.warnings.map(\.key)
        }
    }

    public struct Case: @unchecked Sendable {
        public var id: String
        public var source: String
        public var bodyData: Data
        public var expected: Answer
        /// Answers that depend on the service's state (unknown apiCode, payment, authentication) rather
        /// than on the body; checked through the sandbox's own state, not offline.
        public var serviceState: String?
        /// What Defra's UAT suite asserts the deployed service answers, where that differs from `expected`.
        public var uat: Answer?

        public var body: [String: Any] { (try? JSONSerialization.jsonObject(with: bodyData)) as? [String: Any] ?? [:] }
    }

    public var cases: [Case]
    public var sources: [String: String]

    public static let path = TestFixtures.packageRoot + "/conformance/defra-corpus.json"

    public static func load() throws -> DefraCorpus {
        let root =
            try JSONText.parse(Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let issues = ValidationIssue.list(fromJSON:)
        let cases = (root["cases"] as! [[String: Any]]).map { entry in
            let expected = entry["expected"] as! [String: Any]
            let source = entry["source"] as! [String: Any]
            return Case(
                id: entry["id"] as! String,
                source: "\(source["repo"] ?? "") \(source["file"] ?? ""): \(source["test"] ?? "")",
                bodyData: try! JSONSerialization.data(
                    withJSONObject: entry["body"] ?? NSNull(), options: [.fragmentsAllowed]),
                expected: Answer(
                    status: expected["status"] as! Int, errors: issues(expected["errors"]),
                    warnings: issues(expected["warnings"])),
                serviceState: entry["serviceState"] as? String,
                uat: (entry["uat"] as? [String: Any]).map {
                    Answer(status: $0["status"] as? Int ?? 0, errors: issues($0["errors"]), warnings: [])
                })
        }
        return DefraCorpus(cases: cases, sources: root["sources"] as? [String: String] ?? [:])
    }

    /// The apiCode every corpus body carries (the UAT suite's organisation, made up for the corpus).
    public static let apiCode = "6f7e1bd8-3a52-4d39-9c7e-2f1d9a0c4b11"

    public static func answer(_ report: MovementValidator.Report) -> Answer {
        Answer(status: report.status, errors: report.errors, warnings: report.status == 201 ? report.warnings : [])
    }
}
