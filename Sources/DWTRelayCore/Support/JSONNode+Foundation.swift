import Foundation

extension JSONNode {
    /// A value of the `Any` tree Foundation's JSONSerialization reads (or the same kinds built in code: Swift
    /// strings, numbers and booleans, arrays, string-keyed dictionaries, `NSNull`); nil for anything else.
    /// Dictionary members come out sorted by key, so that the tree (and its text) does not depend on a
    /// dictionary's order.
    public init?(foundation value: Any) {
        switch value {
        case is NSNull:
            self = .null
        case let text as String:
            self = .string(text)
        case let object as [String: Any]:
            var members: [Object.Member] = []
            members.reserveCapacity(object.count)
            for (key, inner) in object.sorted(by: { $0.key < $1.key }) {
                guard let node = JSONNode(foundation: inner) else { return nil }
                members.append(Object.Member(key: key, value: node))
            }
            self = .object(Object(members))
        case let array as [Any]:
            var elements: [JSONNode] = []
            elements.reserveCapacity(array.count)
            for inner in array {
                guard let node = JSONNode(foundation: inner) else { return nil }
                elements.append(node)
            }
            self = .array(elements)
        default:
            if Self.isFoundationBoolean(value), let flag = value as? Bool {
                self = .bool(flag)
            } else if let number = value as? NSNumber {
                guard
                    let text = try? JSONSerialization.data(withJSONObject: number, options: [.fragmentsAllowed])
                else { return nil }
                self = .number(Number(text: String(decoding: text, as: UTF8.self), value: number.doubleValue))
            } else {
                return nil
            }
        }
    }

    /// Whether a value of Foundation's tree is `true` or `false` rather than a number: JSONSerialization
    /// boxes both in NSNumber, booleans in a class of their own (__NSCFBoolean, on Linux too), and a Swift
    /// `Bool` built in code is one too.
    public static func isFoundationBoolean(_ value: Any) -> Bool {
        let type = ObjectIdentifier(Swift.type(of: value))
        return type == foundationBooleanType || type == ObjectIdentifier(Bool.self)
    }

    private static let foundationBooleanType: ObjectIdentifier = {
        let parsed = try? JSONSerialization.jsonObject(with: Data("[true]".utf8)) as? [Any]
        return ObjectIdentifier(type(of: parsed?.first ?? true))
    }()

    /// The tree as Foundation's `Any` values, for code that still speaks JSONSerialization.
    public var foundation: Any {
        switch self {
        case .null: NSNull()
        case .bool(let flag): flag
        case .number(let number): number.value
        case .string(let text): text
        case .array(let elements): elements.map(\.foundation)
        case .object(let object):
            Dictionary(object.members.map { ($0.key, $0.value.foundation) }, uniquingKeysWith: { first, _ in first })
        }
    }
}

extension JSONNode {
    /// The value as compact JSON text: members in key order, numbers as they were written, strings escaped
    /// as JSONSerialization escapes them (`\/`, control characters as `\u00XX`, everything else as itself).
    public func encoded() -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out)
        return Data(out)
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: number.text.utf8)
        case .string(let text): Self.write(string: text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let sorted = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (position, member) in sorted.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func write(string: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "/"): out.append(contentsOf: #"\/"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
