/// Finds a key that appears twice in the same JSON object. Parsers disagree on which value wins, so a
/// movement with duplicate keys is ambiguous and is refused rather than silently resolved.
///
/// Runs only on text a JSON parser has already accepted, so it can be a simple scanner: the text Foundation's
/// parser reads for `JSONNode.read` (its own parser finds them as it goes).
import Foundation

enum JSONDuplicateKeys {
    static func first(in data: Data) -> String? {
        data.withUnsafeBytes { raw in first(in: raw.bindMemory(to: UInt8.self)) }
    }

    static func first(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { first(in: $0) }
    }

    static func first(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // One entry per open container: the keys seen so far, or nil for an array. Compared as `String`s, so
        // canonically equivalent keys (K and the Kelvin sign) count as one: Foundation's dictionary, which
        // this text is read into, would keep only one of them, so they are refused as ambiguous rather than
        // one silently dropped. (`JSONNodeParser` keeps both, as JavaScript does.)
        var stack: [Set<String>?] = []
        var index = 0
        var expectingKey = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                stack.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = stack.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                let start = index + 1
                index += 1
                while index < bytes.count && bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                if expectingKey, !stack.isEmpty, stack[stack.count - 1] != nil {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start..<min(index, bytes.count)])
                    // Keys are compared as the parser reads them: `"api\u0043ode"` is `apiCode`.
                    let key =
                        raw.contains(UInt8(ascii: "\\"))
                        ? decodedString(raw) : String(decoding: raw, as: UTF8.self)
                    // Inserted in place: copying the set out and back made every insert copy it.
                    if !stack[stack.count - 1]!.insert(key).inserted { return key }
                    expectingKey = false
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// A JSON string's contents with its escapes resolved (the text was already accepted by a parser).
    private static func decodedString(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        let quoted = Data([UInt8(ascii: "\"")] + Array(raw) + [UInt8(ascii: "\"")])
        return (try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed)) as? String
            ?? String(decoding: raw, as: UTF8.self)
    }
}
