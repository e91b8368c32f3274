import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

@Suite struct MovementIntakeTests {
    let intake = MovementIntake(siteAPICode: nil, maxBytes: 1 << 20)

    func reason(_ text: String, site: String? = nil) -> IntakeRejection? {
        let intake = MovementIntake(siteAPICode: site, maxBytes: 1 << 20)
        do {
            _ = try intake.check(Data(text.utf8), source: .submit, sourceFile: "x.json")
            return nil
        } catch {
            return error
        }
    }

    @Test func refusesWhatCannotSucceedWithAReason() {
        #expect(reason("{\"a\": ")?.reason.hasPrefix("not valid JSON") == true)
        #expect(reason("[1, 2]")?.reason.contains("an array") == true)
        #expect(reason("\"text\"")?.reason.contains("a string") == true)
        #expect(reason("   \n")?.reason == "file is empty")
        #expect(reason("{\"wasteItems\": []}")?.field == "apiCode")
        #expect(reason("{\"apiCode\": 5}")?.field == "apiCode")
        #expect(reason("{\"apiCode\": \"x\", \"yourUniqueReference\": 7}")?.field == "yourUniqueReference")
        #expect(reason("{\"movement\": {}, \"wasteTrackingId\": \"nope\"}")?.field == "wasteTrackingId")
    }

    @Test func duplicateKeysAreRefusedHoweverTheyAreSpelt() {
        let plain = "{\"apiCode\": \"a\", \"apiCode\": \"b\"}"
        let escaped = "{\"apiCode\": \"a\", \"api\\u0043ode\": \"b\"}"
        #expect(reason(plain)?.field == "apiCode")
        #expect(reason(escaped)?.field == "apiCode", "\\u0043 is C: the same key twice")
        #expect(reason("{\"apiCode\": \"a\", \"api\\u0063ode\": \"b\"}") == nil, "apicode is another key")
    }

    @Test func fillsTheSiteAPICodeAndKeepsUnknownFields() throws {
        let item = try MovementIntake(siteAPICode: "site-code", maxBytes: 1 << 20)
            .check(Data("{\"custom\": {\"x\": 1}}".utf8), source: .submit, sourceFile: nil)
        let body = try JSONSerialization.jsonObject(with: item.body) as! [String: Any]
        #expect(body["apiCode"] as? String == "site-code")
        #expect((body["custom"] as? [String: Any])?["x"] as? Int == 1)
    }

    @Test func forwardsTheBytesAsWrittenWhenNothingIsFilledIn() throws {
        let data = try TestFixtures.example("complex")
        let item = try intake.check(data, source: .submit, sourceFile: "c.json")
        #expect(item.body == data)
    }

    @Test func envelopeUnwrapsTheMovementAndNamesTheTarget() throws {
        let inner = try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "R")) as! [String: Any]
        let envelope = try JSONSerialization.data(withJSONObject: ["wasteTrackingId": "26ABCD12", "movement": inner])
        let item = try intake.check(envelope, source: .submit, sourceFile: "e.json")
        #expect(item.envelopeWasteTrackingId == "26ABCD12")
        #expect(item.yourUniqueReference == "R")
        let body = try JSONSerialization.jsonObject(with: item.body) as! [String: Any]
        #expect(body["movement"] == nil)
    }

    @Test func byteOrderMarkIsToleratedButUTF16AndNULAreNot() throws {
        var withBOM = Data([0xEF, 0xBB, 0xBF])
        withBOM.append(try TestFixtures.movement(reference: nil))
        #expect(throws: Never.self) { try intake.check(withBOM, source: .submit, sourceFile: "b.json") }
        let utf16 = Data([0xFF, 0xFE]) + "{}".data(using: .utf16LittleEndian)!
        #expect(throws: IntakeRejection.self) { try intake.check(utf16, source: .submit, sourceFile: "u.json") }
        // UTF-32 is named as such (its little-endian mark begins with UTF-16's, and was reported as UTF-16).
        for mark: [UInt8] in [[0xFF, 0xFE, 0x00, 0x00], [0x00, 0x00, 0xFE, 0xFF]] {
            let utf32 = Data(mark) + "{}".data(using: .utf32LittleEndian)!
            do {
                _ = try intake.check(utf32, source: .submit, sourceFile: "w.json")
                Issue.record("UTF-32 must be refused")
            } catch {
                #expect(error.reason == "file is UTF-32; movement files must be UTF-8 JSON")
            }
        }
        #expect(throws: IntakeRejection.self) {
            try intake.check(Data("{\"a\":\"\0\"}".utf8), source: .submit, sourceFile: "n.json")
        }
        #expect(throws: IntakeRejection.self) {
            try intake.check(Data([0x7B, 0xC3, 0x28, 0x7D]), source: .submit, sourceFile: "x.json")
        }
    }

    @Test func sizeLimitNamesTheConfigKey() {
        let small = MovementIntake(siteAPICode: nil, maxBytes: 1024)
        do {
            _ = try small.check(Data(repeating: 0x20, count: 2048), source: .submit, sourceFile: "big.json")
            Issue.record("a file over the limit must be refused")
        } catch {
            #expect(error.reason.contains("intake.max_file_bytes"), "\(error.reason)")
        }
    }
}

@Suite struct ValidationKeyFormTests {
    @Test func keysTakeTheRunningServicesDottedForm() {
        #expect(ValidationIssue("wasteItems[0].ewcCodes[12]", "InvalidValue", "m").key == "wasteItems.0.ewcCodes.12")
        #expect(ValidationIssue("receiver.address", "x", "m").key == "receiver.address")
        #expect(ValidationIssue("odd[key]", "x", "m").key == "odd[key]", "only numeric indexes are rewritten")
    }
}
