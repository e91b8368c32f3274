import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// With `intake.validate: off`, intake reads plain movements with its own scanner instead of JSONSerialization.
/// Whatever it decides must be what the full path decides: the same item for a good file, the same
/// refusal (reason and field) for a bad one. `warn` always takes the full path, so the two are compared
/// on the examples, Defra's conformance corpus, the bad-input fixtures and mutations of each.
@Suite struct QuickIntakePathTests {
    static let fixtures = TestFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures"

    enum Verdict: Equatable {
        case item(apiCode: String?, reference: String?, received: String?, body: Data, hash: String)
        case refused(reason: String, field: String?)
    }

    func verdict(_ data: Data, validation: RelayConfig.ValidationMode) -> Verdict {
        var intake = MovementIntake(siteAPICode: nil, maxBytes: 1 << 22)
        intake.validation = validation
        // The quick path stands in for the full parser's decisions; putting typed input into the API's form
        // is a later step that `off` skips by design.
        intake.normalisesTypedInput = false
        do {
            let item = try intake.check(data, source: .inbox, sourceFile: "x.json")
            return .item(
                apiCode: item.apiCode, reference: item.yourUniqueReference, received: item.dateTimeReceived,
                body: item.body, hash: item.contentHash)
        } catch {
            return .refused(reason: error.reason, field: error.field)
        }
    }

    static func corpus() throws -> [(String, Data)] {
        var bodies = try TestFixtures.examples().map { ($0.name, $0.data) }
        // Not the body the service stores and then fails on: `warn` refuses that one on purpose (see
        // MovementIntake), so the two modes differ there by design.
        for entry in try DefraCorpus.load().cases where entry.expected.status != 500 {
            bodies.append((entry.id, entry.bodyData))
        }
        let path = fixtures + "/bad-input"
        for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where name.hasSuffix(".json") {
            bodies.append(("bad-input/" + name, FileManager.default.contents(atPath: path + "/" + name)!))
        }
        return bodies
    }

    /// Edits that break, bend or disguise a movement body.
    static func mutations(of text: String) -> [String] {
        var out = [
            text.replacingOccurrences(of: "\"apiCode\"", with: "\"apiCode\": 5, \"x\""),
            text.replacingOccurrences(of: "{", with: "{\"dup\": 1, \"dup\": 2, ", options: [], range: nil),
            text.replacingOccurrences(of: "\"apiCode\":", with: "\"api\\u0043ode\":"),
            text.replacingOccurrences(of: "\"yourUniqueReference\":", with: "\"yourUniqueReference\": null, \"r\":"),
            "{\"yourUniqueReference\": \"caf\\u00e9\", " + text.dropFirst(),
            text.replacingOccurrences(of: "}", with: ",}"),
            text.replacingOccurrences(of: ":", with: ": 1e400, \"z\":", options: [], range: nil),
            "{\"movement\": " + text + "}",
            "\u{FEFF}" + text + "\n\n",
            text.replacingOccurrences(of: "\"", with: "\"\u{01}", options: [], range: nil),
            String(repeating: "[", count: 100) + text + String(repeating: "]", count: 100),
            "{\"deep\": " + String(repeating: "{\"a\": ", count: 80) + "1" + String(repeating: "}", count: 80) + ", "
                + text.dropFirst(),
            text + " x",
            text.replacingOccurrences(of: "true", with: "tru"),
            text.replacingOccurrences(of: "0.", with: "00."),
            text.replacingOccurrences(
                of: ":", with: ": 123456789012345678901234567890, \"y\":", options: [], range: nil),
            text.replacingOccurrences(of: ":", with: ": -0.5E+3, \"w\":", options: [], range: nil),
            text.replacingOccurrences(of: "\\", with: "\\q"),
        ]
        // Truncated at many points.
        let bytes = Array(text.utf8)
        for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 40)) {
            out.append(String(decoding: bytes[0..<cut], as: UTF8.self))
        }
        return out
    }

    @Test func quickPathDecidesExactlyAsTheFullParser() throws {
        var compared = 0
        var quickItems = 0
        for (name, data) in try Self.corpus() {
            let texts =
                [String(decoding: data, as: UTF8.self)] + Self.mutations(of: String(decoding: data, as: UTF8.self))
            for (index, text) in texts.enumerated() {
                let bytes = Data(text.utf8)
                let quick = verdict(bytes, validation: .off)
                let full = verdict(bytes, validation: .warn)
                #expect(quick == full, "\(name) variant \(index): off \(quick) vs full \(full)")
                compared += 1
                if case .item = quick { quickItems += 1 }
            }
        }
        #expect(compared > 1000)
        #expect(quickItems > 50, "the corpus must exercise accepted files too")
    }
}
