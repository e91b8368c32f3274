import Foundation

extension JSONNode {
    /// A JSON text read into a tree, with the first key that appears twice in any one object (which value is
    /// meant is ambiguous: the caller refuses it).
    public struct Reading: Sendable {
        public var node: JSONNode
        public var duplicateKey: String?
    }

    /// Reads JSON text (a bare string or number too; a UTF-8 byte-order mark is the caller's to drop).
    ///
    /// Nearly every file is read by `JSONNodeParser` in one pass over its bytes. What it is not sure about
    /// (invalid text, deep nesting, exponents and long numbers, a lone surrogate) goes to Foundation's parser
    /// through `JSONText.parse`, which accepts or refuses it and words the refusal; the parser only ever
    /// accepts text that path accepts too, and reads it the same (`JSONNodeReadingTests`).
    public static func read(_ data: Data) throws -> Reading {
        let fast = data.withUnsafeBytes { raw in
            var parser = JSONNodeParser(bytes: raw.bindMemory(to: UInt8.self))
            return parser.document()
        }
        if let fast { return fast }
        let parsed = try JSONText.parse(data, options: [.fragmentsAllowed])
        guard let node = JSONNode(foundation: parsed) else {
            throw CocoaError(.propertyListReadCorrupt, userInfo: [NSDebugDescriptionErrorKey: "unreadable value"])
        }
        return Reading(node: node, duplicateKey: JSONDuplicateKeys.first(in: data))
    }
}

/// A strict JSON parser over UTF-8 bytes that builds a `JSONNode` tree; nil for anything it is not sure
/// about, which `JSONNode.read` then gives to Foundation's parser.
struct JSONNodeParser {
    static let maximumDepth = 64
    static let maximumKeysPerObject = 256
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` up to this length is exact in any parser: movements carry short decimals.
    static let maximumNumberLength = 15

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var duplicateKey: String?

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func document() -> JSONNode.Reading? {
        skipSpace()
        guard let node = value(depth: 0) else { return nil }
        skipSpace()
        guard index == bytes.count else { return nil }
        return JSONNode.Reading(node: node, duplicateKey: duplicateKey)
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) -> JSONNode? {
        guard depth < Self.maximumDepth, let byte = peek else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string().map(JSONNode.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return number()
        }
    }

    private mutating func object(depth: Int) -> JSONNode? {
        index += 1  // {
        var members: [JSONNode.Object.Member] = []
        members.reserveCapacity(8)
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .object(JSONNode.Object(members))
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\""), let key = string(), members.count < Self.maximumKeysPerObject else {
                return nil
            }
            if duplicateKey == nil, JSONNode.Object(members).contains(key) { duplicateKey = key }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard let inner = value(depth: depth) else { return nil }
            members.append(JSONNode.Object.Member(key: key, value: inner))
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONNode.Object(members))
            default: return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONNode? {
        index += 1  // [
        var elements: [JSONNode] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            guard let element = value(depth: depth) else { return nil }
            elements.append(element)
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: return nil
            }
        }
    }

    /// A string token's text. Control characters must be escaped, escapes must be JSON's, the bytes valid
    /// UTF-8, and a `\u` surrogate paired (Foundation refuses a lone one; it words that refusal).
    private mutating func string() -> String? {
        index += 1  // opening quote
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                let content = UnsafeBufferPointer(rebasing: bytes[start..<index - 1])
                // ASCII needs no validating (which cost a tenth of reading a body), anything else does.
                return ascii ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self)
            }
            if byte >= 0x80 { ascii = false }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            index += 1
        }
        return nil
    }

    /// The rest of a string that holds an escape, decoded into scalars from `start`.
    private mutating func escapedString(from start: Int) -> String? {
        guard var text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        else { return nil }
        var plainStart = index
        func flushPlain() -> Bool {
            guard plainStart < index else { return true }
            guard
                let plain = String(
                    validating: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]), as: UTF8.self)
            else { return false }
            text += plain
            return true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard flushPlain() else { return nil }
                index += 1
                return text
            }
            if byte < 0x20 { return nil }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            guard flushPlain(), index + 1 < bytes.count else { return nil }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): text += "\""
            case UInt8(ascii: "\\"): text += "\\"
            case UInt8(ascii: "/"): text += "/"
            case UInt8(ascii: "b"): text += "\u{08}"
            case UInt8(ascii: "f"): text += "\u{0C}"
            case UInt8(ascii: "n"): text += "\n"
            case UInt8(ascii: "r"): text += "\r"
            case UInt8(ascii: "t"): text += "\t"
            case UInt8(ascii: "u"):
                guard let unit = hexUnit() else { return nil }
                var scalar = Unicode.Scalar(unit)
                if (0xD800...0xDBFF).contains(unit) {
                    guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                    else { return nil }
                    index += 2
                    guard let low = hexUnit(), (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                guard let scalar else { return nil }
                text.unicodeScalars.append(scalar)
            default:
                return nil
            }
            plainStart = index
        }
        return nil
    }

    /// Four hex digits after `\u`, as a UTF-16 code unit.
    private mutating func hexUnit() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var unit: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            unit = unit << 4 | UInt32(digit)
            index += 1
        }
        return unit
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A short number without exponent; longer ones and exponents are left to Foundation's parser, which
    /// refuses what it cannot represent (1e400, 400 digits).
    private mutating func number() -> JSONNode? {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, Self.isDigit(first) else { return nil }
        index += 1
        if first != UInt8(ascii: "0") { digits() }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let next = peek, Self.isDigit(next) else { return nil }
            digits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") { return nil }
        guard index - start <= Self.maximumNumberLength else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { return nil }
        return .number(JSONNode.Number(text: text, value: value))
    }

    private mutating func digits() {
        while let byte = peek, Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
