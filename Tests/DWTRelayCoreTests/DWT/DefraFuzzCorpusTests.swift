import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

/// The seeded fuzz corpus (`conformance/fuzz-corpus.json`, made by `conformance/oracle/fuzz.py` and answered by
/// Defra's own code): offline validation must give the same status on at least 99.5% of its bodies and the
/// same error keys on at least 99% of the bodies both refuse. Each difference left is counted by family, so
/// the report says where the rules still part from Defra's.
@Suite struct DefraFuzzCorpusTests {
    static let path = TestFixtures.packageRoot + "/conformance/fuzz-corpus.json"

    /// fuzz.py's edits, applied as `apply-ops.py` applies them (an edit under a missing parent is skipped).
    static func apply(_ op: [Any], to body: inout Any) {
        guard let kind = op[0] as? String, let path = op[1] as? [Any], !path.isEmpty else { return }
        set(&body, path[...], kind == "del" ? nil : op[2], delete: kind == "del")
    }

    private static func set(_ node: inout Any, _ path: ArraySlice<Any>, _ value: Any?, delete: Bool) {
        let key = path.first!
        let last = path.count == 1
        if var object = node as? [String: Any], let name = key as? String {
            if last {
                object[name] = delete ? nil : value
            } else {
                guard var child = object[name] else { return }
                set(&child, path.dropFirst(), value, delete: delete)
                object[name] = child
            }
            node = object
        } else if var array = node as? [Any], let index = (key as? NSNumber)?.intValue, !(key is String) {
            if last {
                if delete {
                    if index >= 0 && index < array.count { array.remove(at: index) }
                } else if index >= 0 && index < array.count {
                    array[index] = value!
                } else if index == array.count {
                    array.append(value!)
                }
            } else {
                guard index >= 0 && index < array.count else { return }
                var child = array[index]
                set(&child, path.dropFirst(), value, delete: delete)
                array[index] = child
            }
            node = array
        }
    }

    @Test func offlineValidationAgreesWithDefrasCodeOnTheFuzzCorpus() throws {
        let root =
            try JSONText.parse(Data(contentsOf: URL(fileURLWithPath: Self.path))) as! [String: Any]
        let base = root["base"]!
        let cases = root["cases"] as! [[String: Any]]
        let validator = MovementValidator()
        var sameStatus = 0
        var bothRefused = 0
        var sameKeys = 0
        var differences: [String: Int] = [:]
        var examples: [String] = []
        for entry in cases {
            var body: Any = base
            for op in entry["ops"] as! [[Any]] { Self.apply(op, to: &body) }
            let expected = entry["expected"] as! [String: Any]
            let status = expected["status"] as! Int
            let keys = Set((expected["errors"] as! [[String]]).map { $0[0] })
            let ours = validator.validate(body as? [String: Any] ?? [:])
            let family = entry["family"] as! String
            if ours.status == status { sameStatus += 1 } else { differences["status: " + family, default: 0] += 1 }
            if ours.status == 400 && status == 400 {
                bothRefused += 1
                if Set(ours.errors.map(\.key)) == keys {
                    sameKeys += 1
                } else {
                    differences["keys: " + family, default: 0] += 1
                }
            }
            if (ours.status != status || (status == 400 && Set(ours.errors.map(\.key)) != keys)) && examples.count < 40
            {
                let ops = (try? JSONSerialization.data(withJSONObject: entry["ops"]!)).map {
                    String(decoding: $0, as: UTF8.self)
                }
                examples.append(
                    "\(entry["id"]!) \(ops ?? "")\n  Defra: \(status) \(keys.sorted())\n  ours:  \(ours.status) "
                        + "\(ours.errors.map(\.key).sorted())")
            }
        }
        let statusShare = Double(sameStatus) / Double(cases.count)
        let keyShare = Double(sameKeys) / Double(max(1, bothRefused))
        print(
            "fuzz corpus: \(cases.count) bodies (seed \(root["seed"]!)); same status \(sameStatus) "
                + "(\(String(format: "%.2f", statusShare * 100))%), same keys \(sameKeys) of \(bothRefused) refused by both "
                + "(\(String(format: "%.2f", keyShare * 100))%)")
        for (family, count) in differences.sorted(by: { $0.value > $1.value }) {
            print("  differs: \(family) ×\(count)")
        }
        for example in examples.prefix(20) { print("  " + example) }
        #expect(cases.count >= 5000)
        #expect(statusShare >= 0.995, "\(examples.joined(separator: "\n"))")
        #expect(keyShare >= 0.99, "\(examples.joined(separator: "\n"))")
    }
}
