import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// Offline validation gives Defra's running code's answer (built from their Joi schema, warning generators
/// and UAT suite; see conformance/README.md) on every case of the corpus: status, and each error's key,
/// type and message, and each warning.
@Suite struct DefraConformanceTests {
    @Test func offlineValidationAnswersAsDefrasCodeDoes() throws {
        let corpus = try DefraCorpus.load()
        let validator = MovementValidator()
        var exact = 0
        var substance = 0
        var status = 0
        var differences: [String] = []
        let cases = corpus.cases.filter { $0.serviceState == nil }
        for entry in cases {
            let ours = DefraCorpus.answer(validator.validate(entry.body))
            if ours.status == entry.expected.status { status += 1 }
            if ours.agreesInSubstance(with: entry.expected) { substance += 1 }
            if ours == entry.expected {
                exact += 1
            } else {
                differences.append(
                    "\(entry.id) (\(entry.source))\n  Defra: \(entry.expected)\n  ours:  \(ours)")
            }
        }
        print("conformance: \(cases.count) cases; status \(status), keys+types \(substance), exact \(exact)")
        #expect(cases.count >= 350)
        #expect(differences.isEmpty, "\(differences.count) differ:\n\(differences.joined(separator: "\n"))")
    }
}
