import DWTRelayTestSupport
import Foundation
import Testing

@testable import DWTRelayCore

/// Intake reads every file once, with its own parser (`JSONNodeParser`), into the `JSONNode` tree that
/// defaults, the API's form and the checks share; what that parser is unsure of goes to Foundation's.
/// Whatever the parser decides must be what Foundation's decides (the same text accepted, the same tree,
/// the same duplicate key), and `off` must decide as `warn` does on everything but Defra's rules. Compared
/// on the examples, Defra's conformance corpus, the bad-input fixtures and mutations of each.
@Suite struct JSONNodeReadingTests {
    static let fixtures = TestFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures"

    enum Verdict: Equatable {
        case item(apiCode: String?, reference: String?, received: String?, body: Data, hash: String)
        case refused(reason: String, field: String?)
    }

    func verdict(_ data: Data, validation: RelayConfig.ValidationMode) -> Verdict {
        var intake = MovementIntake(siteAPICode: nil, maxBytes: 1 << 22)
        intake.validation = validation
        // Putting typed input into the API's form is a step that `off` skips by design: compared without it.
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
        var out: [String] = [
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
        out += [
            // Escapes the parser decodes itself, and the ones it leaves to Foundation.
            text.replacingOccurrences(of: "\"apiCode\":", with: "\"s\": \"\\u0000\\ud83d\\ude9a\\/\\b\", \"apiCode\":"),
            text.replacingOccurrences(of: "\"apiCode\":", with: "\"s\": \"\\ud83d\", \"apiCode\":"),
            text.replacingOccurrences(of: "\"apiCode\":", with: "\"s\": \"\\udc00x\", \"apiCode\":"),
            text.replacingOccurrences(of: "\"apiCode\":", with: "\"s\": \"\u{FEFF}x\u{FEFF}\", \"apiCode\":"),
            // Canonically equivalent keys are two keys to JavaScript (K and the Kelvin sign).
            text.replacingOccurrences(of: "{", with: "{\"K\": 1, \"\u{212A}\": 2, ", options: [], range: nil),
            text.replacingOccurrences(of: ":", with: ": 1.0e2, \"v\":", options: [], range: nil),
            text.replacingOccurrences(of: ":", with: ": -0, \"u\":", options: [], range: nil),
        ]
        // Truncated at many points.
        let bytes = Array(text.utf8)
        for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 40)) {
            out.append(String(decoding: bytes[0..<cut], as: UTF8.self))
        }
        return out
    }

    /// The parser against Foundation's: where it answers, Foundation accepts the same text and reads the same
    /// tree and duplicate key; written out again, the tree reads back as itself.
    @Test func theParserReadsAsFoundationReads() throws {
        var answered = 0
        var leftToFoundation = 0
        for (name, data) in try Self.corpus() {
            let text = String(decoding: data, as: UTF8.self)
            for (index, variant) in ([text] + Self.mutations(of: text)).enumerated() {
                let bytes = Data(variant.utf8)
                let fast = bytes.withUnsafeBytes { raw in
                    var parser = JSONNodeParser(bytes: raw.bindMemory(to: UInt8.self))
                    return parser.document()
                }
                let foundation = try? JSONText.parse(bytes, options: [.fragmentsAllowed])
                guard let fast else {
                    leftToFoundation += 1
                    continue
                }
                answered += 1
                let label = "\(name) variant \(index)"
                let parsed = try #require(foundation, "\(label): the parser accepted what Foundation refuses")
                if variant.contains("\"\u{212A}\":") {
                    // Two keys to the parser, as to JavaScript; Foundation's dictionary would hold one of the
                    // two (Swift's `==` takes one for the other), so on that path they are a duplicate.
                    let written = String(decoding: fast.node.encoded(), as: UTF8.self)
                    #expect(written.contains("\"K\":1") && written.contains("\"\u{212A}\":2"), "\(label)")
                    #expect(fast.duplicateKey != "\u{212A}" && JSONDuplicateKeys.first(in: bytes) != nil, "\(label)")
                    continue
                }
                #expect(JSONDuplicateKeys.first(in: bytes) == fast.duplicateKey, "\(label)")
                // Which of two values for one key a parser keeps is not JSON's to say: intake refuses those.
                guard fast.duplicateKey == nil else { continue }
                let sameTree = JSONNode(foundation: parsed) == fast.node
                #expect(sameTree, "\(label): not the tree Foundation reads")
                let again = try JSONNode.read(fast.node.encoded())
                let sameAgain = again.node == fast.node
                #expect(sameAgain, "\(label): written out and read again, not the same tree")
            }
        }
        #expect(answered > 500, "the parser must answer for most files")
        #expect(leftToFoundation > 100, "the corpus must exercise what the parser leaves to Foundation")
    }

    @Test func stringsAreWrittenAsJSONSerializationWritesThem() throws {
        let text = "a/b\"\\\u{01}\u{7F}\u{2028}é\t\n\r\u{08}\u{0C}\u{0}\u{FEFF}"
        let ours = String(decoding: JSONNode.string(text).encoded(), as: UTF8.self)
        let theirs = String(
            decoding: try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
        #expect(ours == theirs)
        let node = try JSONNode.read(Data("{\"b\": [1.50, true, null], \"a\": -0.25}".utf8)).node
        #expect(String(decoding: node.encoded(), as: UTF8.self) == #"{"a":-0.25,"b":[1.50,true,null]}"#)
    }

    @Test func offDecidesAsWarnDoesOnAllButDefrasRules() throws {
        var compared = 0
        var items = 0
        for (name, data) in try Self.corpus() {
            let texts =
                [String(decoding: data, as: UTF8.self)] + Self.mutations(of: String(decoding: data, as: UTF8.self))
            for (index, text) in texts.enumerated() {
                let bytes = Data(text.utf8)
                let off = verdict(bytes, validation: .off)
                let warn = verdict(bytes, validation: .warn)
                #expect(off == warn, "\(name) variant \(index): off \(off) vs warn \(warn)")
                compared += 1
                if case .item = off { items += 1 }
            }
        }
        #expect(compared > 1000)
        #expect(items > 50, "the corpus must exercise accepted files too")
    }
}
