import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// Result files are written by hand rather than through JSONSerialization (it was the largest per-movement
/// cost of draining a backlog). What the weighbridge software reads must still be exactly the movement's
/// `MovementResult` through `JSONEncoder`: every field, escaped text, warnings and errors included.
@Suite struct ResultFileTests {
    @Test func writtenFilesHoldExactlyTheResultFields() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        var intake = MovementIntake(siteAPICode: "code", maxBytes: 1 << 20)
        // Typed input put into the API's form gives the first file notes (quotes and arrows in them).
        intake.validation = .warn
        let references = ["plain", "quote \" and \\ backslash", "tab\tnew\nline", "ünïcödé ✓", "ctrl \u{01}"]
        let items = try references.enumerated().map { index, reference in
            var object: [String: Any] = ["yourUniqueReference": reference, "n": index]
            if index == 0 { object["wasteItems"] = [["ewcCodes": ["17 01 01"]]] }
            let body = try JSONSerialization.data(withJSONObject: object)
            return try intake.check(body, source: .inbox, sourceFile: "file-\(index) \"q\".json")
        }
        _ = try store.ingest(items)
        let claimed = try store.claimDue(now: Date().timeIntervalSince1970 + 1, limit: 10)
        #expect(claimed.count == references.count)
        let outcomes: [DeliveryOutcome] = [
            .accepted(wasteTrackingId: "26ABCDEF", warningsJSON: nil, notFound: false),
            .accepted(
                wasteTrackingId: "26ABCDEG",
                warningsJSON: #"[{"key":"receipt.disposalOrRecoveryCodes","message":"missing \"code\" ✓"}]"#,
                notFound: false),
            .rejected(errorsJSON: #"[{"key":"wasteItems.0.ewcCodes","errorType":"InvalidValue"}]"#),
            .accepted(wasteTrackingId: nil, warningsJSON: "[]", notFound: true),
            .rejected(errorsJSON: #"{"not":"an array"}"#),
        ]
        let writer = ResultWriter(folder: folder.sub("results"), store: store, logger: .init(label: "test"))
        for (delivery, outcome) in zip(claimed, outcomes) {
            let movement = try store.finish(
                delivery.id, outcome: outcome, exchange: nil, lastError: nil, now: Date().timeIntervalSince1970)
            writer.write(movement)
        }
        writer.flush()
        for movement in try store.list(limit: 100) {
            let path = writer.path(for: movement)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("}\n"))
            let written = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
            let expected = try #require(
                JSONSerialization.jsonObject(with: JSONText.data(MovementResult(try store.decrypted(movement))))
                    as? NSDictionary)
            #expect(written == expected, "\(path):\n\(text)")
        }
        let noted = try store.list(limit: 100).first { $0.sourceFile == "file-0 \"q\".json" }
        let notes = try #require(noted.map { MovementResult(try store.decrypted($0)).notes })
        #expect(
            notes
                == .array([
                    .string(
                        #"put into the API's form (fix at the source): wasteItems[0].ewcCodes[0]: "17 01 01" → "170101""#
                    )
                ]))
        #expect(try store.resultsDue().isEmpty, "flush marks every file written")
    }

    @Test func timestampsMatchFoundationsFormatter() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var seconds = 0.0
        var generator = SystemRandomNumberGenerator()
        var samples = [0, 1e9, 951_782_400.5, 1_709_164_799.999, 1_798_761_599.9995, 4_102_444_800.001]
        for _ in 0..<2000 { samples.append(Double.random(in: 0..<4_102_444_800, using: &generator)) }
        for value in samples {
            seconds = value
            #expect(ISO8601.string(seconds) == style.format(Date(timeIntervalSince1970: seconds)), "\(seconds)")
        }
    }
}
