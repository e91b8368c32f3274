import DWTRelayTestSupport
import Foundation
import Testing

@testable import DWTRelayCore

/// The offline validator decides character for character as Defra's JavaScript does, and as a pure function
/// of the body: anchored patterns end at the true end of input, codes and fixed values compare code unit for
/// code unit, case-insensitive patterns do not fold characters above ASCII into ASCII letters, trimming is
/// JavaScript's, and nothing validated before changes a verdict.
@Suite struct ValidatorExactnessTests {
    let validator = MovementValidator()

    func body(_ change: (inout [String: Any]) -> Void) throws -> [String: Any] {
        var body = try #require(
            try JSONSerialization.jsonObject(with: TestFixtures.example("basic-required-fields-only"))
                as? [String: Any])
        change(&body)
        return body
    }

    func keys(_ body: [String: Any]) -> [String] { validator.validate(body).errors.map(\.key) }

    func withReceiver(_ number: String) throws -> [String: Any] {
        try body { body in
            var receiver = body["receiver"] as! [String: Any]
            receiver["authorisationNumber"] = number
            body["receiver"] = receiver
        }
    }

    func withCarrier(_ number: String) throws -> [String: Any] {
        try body { body in
            var carrier = body["carrier"] as! [String: Any]
            carrier["registrationNumber"] = number
            body["carrier"] = carrier
        }
    }

    @Test(arguments: ["\n", "\r", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"])
    func aTrailingLineTerminatorIsRefusedAsDefraRefusesIt(terminator: String) throws {
        let postcode = try body { body in
            var receipt = body["receipt"] as! [String: Any]
            var address = receipt["address"] as! [String: Any]
            address["postcode"] = "TC1 2AB" + terminator
            receipt["address"] = address
            body["receipt"] = receipt
        }
        #expect(keys(postcode).contains("receipt.address.postcode"), "\(terminator.unicodeScalars.first!.value)")
        let carrier = try body { body in
            var carrier = body["carrier"] as! [String: Any]
            carrier["registrationNumber"] = "CBDL999999" + terminator
            body["carrier"] = carrier
        }
        #expect(keys(carrier).contains("carrier.registrationNumber"))
        #expect(keys(try body { _ in }).isEmpty, "the example itself is valid")
    }

    @Test func fixedValuesCompareCodeUnitForCodeUnit() throws {
        // The Kelvin sign is canonically equivalent to K: Swift's `==` took it for "Kilograms".
        let kelvin = try body { body in
            var items = body["wasteItems"] as! [[String: Any]]
            var weight = items[0]["weight"] as! [String: Any]
            weight["metric"] = "\u{212A}ilograms"
            items[0]["weight"] = weight
            body["wasteItems"] = items
        }
        #expect(keys(kelvin).contains("wasteItems.0.weight.metric"))
    }

    @Test func caseInsensitivePatternsDoNotFoldCharactersAboveASCII() throws {
        #expect(keys(try withReceiver("EPR/AB1234CD")).isEmpty)
        #expect(keys(try withReceiver("epr/ab1234cd")).isEmpty, "ASCII letters in either case")
        for folded in ["EPR/AB1234C\u{17F}", "EPR/AB1234\u{212A}D", "EPR/AB1234\u{131}D"] {
            #expect(keys(try withReceiver(folded)).contains("receiver.authorisationNumber"), "\(folded)")
        }
    }

    @Test func authorisationNumbersAreTrimmedAsJavaScriptTrims() throws {
        #expect(keys(try withReceiver("\u{FEFF} EPR/AB1234CD\u{A0}")).isEmpty, "JavaScript trims U+FEFF and U+00A0")
        #expect(
            keys(try withReceiver("\u{85}EPR/AB1234CD")).contains("receiver.authorisationNumber"),
            "JavaScript does not trim U+0085")
    }

    /// A body, its canonically equivalent twin and the first again, in every order: the same verdicts.
    @Test func aVerdictNeverDependsOnWhatWasValidatedBefore() throws {
        // A Northern Ireland carrier number, ROC[^A-Za-z0-9_]*[UL]T...: the combining accent after C is a separator, a precomposed Ć is no C.
        let precomposed = "RO\u{0106}UT12"
        let decomposed = "ROC\u{301}UT12"
        #expect(precomposed == decomposed, "Swift's == takes them for one string")
        let fresh = MovementValidator()
        let alone = fresh.validate(try withCarrier(precomposed)).status
        let twin = MovementValidator().validate(try withCarrier(decomposed)).status
        #expect(alone == 400 && twin == 201)
        let orders = [[precomposed, decomposed, precomposed], [decomposed, precomposed, decomposed]]
        for order in orders {
            for number in order {
                let expected =
                    number.utf8.elementsEqual(precomposed.utf8)
                    ? alone : fresh.validate(try withCarrier(decomposed)).status
                #expect(validator.validate(try withCarrier(number)).status == expected, "\(order)")
            }
        }
        #expect(
            fresh.validate(try withCarrier(precomposed)).status
                == MovementValidator().validate(try withCarrier(precomposed)).status)
    }
}
