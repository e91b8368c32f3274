/// A strict JSON scanner for the common intake path: checks the grammar, finds duplicate keys and reads the
/// top-level string fields intake needs, without building a tree.
///
/// Intake with `intake.validate: off` needs no tree, and JSONSerialization's was the largest cost of taking
/// a file. Anything the scanner is not sure about (invalid text, deep nesting, very long numbers, escaped
/// keys or fields, huge objects) answers `nil`, and the caller takes the full JSONSerialization path, which
/// also words the error: the scanner only ever accepts text that path accepts too.
struct JSONScanner {
    /// A top-level object the scanner is sure about.
    struct TopLevel {
        /// Top-level keys whose value is a string without escapes, with that value.
        var strings: [String: String] = [:]
        /// Every top-level key.
        var keys: Set<String> = []
        /// The first key that appears twice in any one object.
        var duplicateKey: String?
    }

    static let maximumDepth = 64
    static let maximumKeysPerObject = 256
    static let maximumNumberLength = 15

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> TopLevel? {
        var scanner = JSONScanner(bytes: bytes)
        return scanner.document()
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var result = TopLevel()

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func document() -> TopLevel? {
        skipSpace()
        guard peek == UInt8(ascii: "{"), object(depth: 1, topLevel: true) else { return nil }
        skipSpace()
        return index == bytes.count ? result : nil
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

    private mutating func value(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth + 1, topLevel: false)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func object(depth: Int, topLevel: Bool) -> Bool {
        index += 1  // {
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return true
        }
        var keys: [Range<Int>] = []
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\""), let key = string(), !key.escaped else { return false }
            if keys.count >= Self.maximumKeysPerObject { return false }
            if result.duplicateKey == nil, keys.contains(where: { same($0, key.range) }) {
                result.duplicateKey = text(key.range)
            }
            keys.append(key.range)
            skipSpace()
            guard peek == UInt8(ascii: ":") else { return false }
            index += 1
            skipSpace()
            if topLevel {
                let name = text(key.range)
                result.keys.insert(name)
                if peek == UInt8(ascii: "\"") {
                    guard let field = string() else { return false }
                    if !field.escaped { result.strings[name] = text(field.range) }
                } else if !value(depth: depth) {
                    return false
                }
            } else if !value(depth: depth) {
                return false
            }
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return true
            default: return false
            }
        }
    }

    private mutating func array(depth: Int) -> Bool {
        index += 1  // [
        skipSpace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return true
        }
        while true {
            skipSpace()
            guard value(depth: depth) else { return false }
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return true
            default: return false
            }
        }
    }

    /// A string token; `range` is its content between the quotes. Control characters must be escaped and
    /// escapes must be the JSON ones (UTF-8 validity is checked before scanning).
    private mutating func string() -> (range: Range<Int>, escaped: Bool)? {
        index += 1  // opening quote
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<index - 1, escaped)
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard index + 1 < bytes.count else { return nil }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 5 < bytes.count else { return nil }
                    for offset in 2...5 where !Self.isHexDigit(bytes[index + offset]) { return nil }
                    index += 6
                default:
                    return nil
                }
                continue
            }
            index += 1
        }
        return nil
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, short enough for any parser to represent exactly.
    private mutating func number() -> Bool {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, Self.isDigit(first) else { return false }
        index += 1
        if first != UInt8(ascii: "0") { digits() }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let next = peek, Self.isDigit(next) else { return false }
            digits()
        }
        // Exponents and long numbers are left to the full parser, which refuses what it cannot represent
        // (1e400, 400 digits): movements carry short decimals.
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") { return false }
        return index - start <= Self.maximumNumberLength
    }

    private mutating func digits() {
        while let byte = peek, Self.isDigit(byte) { index += 1 }
    }

    private func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        for offset in 0..<a.count where bytes[a.lowerBound + offset] != bytes[b.lowerBound + offset] { return false }
        return true
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }
}
