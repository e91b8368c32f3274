import Foundation
import Testing

@testable import DWTRelayCore

/// `JSONText.parse` reads string values as `JSON.parse` does where Foundation's parser would drop a U+FEFF.
@Suite struct JSONTextParseTests {
    @Test func everyByteOrderMarkInsideAStringIsKept() throws {
        // U+FF21 (EF BC A1) shares the mark's first byte and must not be taken for it.
        let text = "{\"a\": \"\u{FEFF}SKI\", \"b\": \"\u{FF21}\u{FEFF}x\u{FEFF}\", \"c\": \"plain\"}"
        let parsed = try #require(try JSONText.parse(Data(text.utf8)) as? [String: String])
        #expect(parsed == ["a": "\u{FEFF}SKI", "b": "\u{FF21}\u{FEFF}x\u{FEFF}", "c": "plain"])
    }

    @Test func aSliceOfTheFileIsReadFromItsOwnStart() throws {
        // Intake drops a leading mark with `dropFirst(3)`: the slice's indices start at 3.
        let file = Data([0xEF, 0xBB, 0xBF] + Array("{\"a\": \"\u{FEFF}\u{FEFF}\"}".utf8))
        let parsed = try #require(try JSONText.parse(file.dropFirst(3)) as? [String: String])
        #expect(parsed == ["a": "\u{FEFF}\u{FEFF}"])
        #expect(JSONText.byteOrderMarks(in: file.dropFirst(3)) == [10, 13])
        #expect(JSONText.byteOrderMarks(in: Data("{}".utf8)).isEmpty)
        #expect(JSONText.byteOrderMarks(in: Data([0xEF, 0xBB])).isEmpty)
    }
}
