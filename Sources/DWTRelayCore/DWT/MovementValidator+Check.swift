import Foundation

/// A place in a request body, in the two spellings the service uses: its error `key` (the Joi path joined
/// with dots, `wasteItems.0.weight.amount`) and the label its messages quote (`wasteItems[0].weight.amount`).
///
/// The last step is kept apart and joined only when asked for, which is only when a check fails: a valid
/// body then builds no strings for its leaves. A check that descends calls `resolved` once.
struct FieldPath: Sendable {
    enum Step: Sendable {
        case none
        case name(String)
        case index(Int)
    }

    private let parentKey: String
    private let parentLabel: String
    private let step: Step

    static let root = FieldPath(parentKey: "", parentLabel: "", step: .none)

    var key: String {
        switch step {
        case .none: parentKey
        case .name(let name): parentKey.isEmpty ? name : parentKey + "." + name
        case .index(let index): parentKey + "." + String(index)
        }
    }

    var label: String {
        switch step {
        case .none: parentLabel
        case .name(let name): parentLabel.isEmpty ? name : parentLabel + "." + name
        case .index(let index): parentLabel + "[" + String(index) + "]"
        }
    }

    /// The same place with its strings joined, for a check that looks at several fields below it.
    var resolved: FieldPath { FieldPath(parentKey: key, parentLabel: label, step: .none) }

    func field(_ name: String) -> FieldPath { FieldPath(parentKey: key, parentLabel: label, step: .name(name)) }

    func index(_ position: Int) -> FieldPath { FieldPath(parentKey: key, parentLabel: label, step: .index(position)) }

    var quoted: String { "\"\(label)\"" }
}

extension MovementValidator {
    /// Accumulates issues, and holds the checks the service's Joi schema is built from, with Joi's order and
    /// wording: a value's type first (which stops that value's other rules), then each rule in turn.
    struct Check {
        var report = Report()

        var errorCount: Int { report.errors.count }

        /// An error whose message starts with the field's quoted label, as Joi writes its own.
        mutating func fail(_ path: FieldPath, _ type: String, _ says: String) {
            report.errors.append(ValidationIssue(path.key, type, "\(path.quoted) \(says)"))
        }

        /// An error with a message of the service's own that does not follow Joi's pattern.
        mutating func fail(_ path: FieldPath, _ type: String, message: String) {
            report.errors.append(ValidationIssue(path.key, type, message))
        }

        mutating func warn(key: String, _ message: String) {
            report.warnings.append(ValidationIssue(key, "NotProvided", message))
        }

        // MARK: presence

        /// Joi's `required()`: only an absent key is missing; `null` is a value (and then usually the wrong type).
        mutating func present(_ value: Any?, _ path: FieldPath) -> Any? {
            guard let value else {
                fail(path, "NotProvided", "is required")
                return nil
            }
            return value
        }

        /// Keys the schema does not name are refused at every level, after the named ones.
        mutating func refuseUnknownKeys(_ object: [String: Any], known: Set<String>, _ path: FieldPath) {
            guard object.count > known.count || object.keys.contains(where: { !known.contains($0) }) else { return }
            for key in object.keys.sorted() where !known.contains(key) {
                fail(path.field(key), "NotAllowed", "is not allowed")
            }
        }

        // MARK: types

        mutating func object(_ value: Any, _ path: FieldPath) -> [String: Any]? {
            if let object = value as? [String: Any] { return object }
            fail(path, "InvalidType", "must be of type object")
            return nil
        }

        mutating func array(_ value: Any, _ path: FieldPath) -> [Any]? {
            if let array = value as? [Any] { return array }
            fail(path, "InvalidType", "must be an array")
            return nil
        }

        /// Joi's `string()`: a string, and not empty unless the schema allows `''`.
        mutating func string(_ value: Any, _ path: FieldPath, allowEmpty: Bool = false) -> String? {
            guard let text = value as? String else {
                fail(path, "InvalidType", "must be a string")
                return nil
            }
            if text.isEmpty && !allowEmpty {
                fail(path, "InvalidValue", "is not allowed to be empty")
                return nil
            }
            return text
        }

        /// Joi's `string().valid(...)`: the allowed values are checked before the type, and both are reported.
        @discardableResult
        mutating func oneOf(_ value: Any, _ options: [String], _ path: FieldPath) -> String? {
            // Code unit for code unit, as JavaScript compares: Swift's `==` takes the Kelvin sign for a K.
            if let text = value as? String, options.contains(where: { JSText.equal($0, text) }) { return text }
            fail(path, "InvalidValue", "must be one of [\(options.joined(separator: ", "))]")
            _ = string(value, path)
            return nil
        }

        /// Joi's `number().strict()`: a JSON number (not a numeric string, not a boolean). Beyond ±(2^53 − 1)
        /// Joi refuses it as unsafe (`number.unsafe`, which the service does not classify) before any rule.
        mutating func number(_ value: Any, _ path: FieldPath) -> Double? {
            guard Self.isNumber(value), let number = value as? NSNumber else {
                fail(path, "InvalidType", "must be a number")
                return nil
            }
            let double = number.doubleValue
            guard abs(double) <= Self.largestSafeInteger else {
                fail(path, "UnexpectedError", "must be a safe number")
                return nil
            }
            return double
        }

        /// JavaScript's `Number.MAX_SAFE_INTEGER`.
        static let largestSafeInteger = 9_007_199_254_740_991.0

        mutating func integer(_ number: Double, _ path: FieldPath) {
            if number != number.rounded() { fail(path, "OutOfRange", "must be an integer") }
        }

        mutating func positive(_ number: Double, _ path: FieldPath) {
            if !(number > 0) { fail(path, "OutOfRange", "must be a positive number") }
        }

        /// Joi's `boolean().strict()`: `true` or `false` only.
        mutating func boolean(_ value: Any, _ path: FieldPath) -> Bool? {
            guard Self.isBoolean(value), let flag = value as? Bool else {
                fail(path, "InvalidType", "must be a boolean")
                return nil
            }
            return flag
        }

        /// Joi's `alternatives().try(string().pattern(...), ...)`: a string none of the patterns match is
        /// `message`; a value that is not a string at all is Joi's "must be one of [string]", which the
        /// service does not classify.
        mutating func patterns(_ value: Any, _ pattern: String, _ path: FieldPath, says message: String) {
            guard let text = value as? String else {
                fail(path, "UnexpectedError", "must be one of [string]")
                return
            }
            if !Self.matches(text, pattern) { fail(path, "InvalidFormat", message) }
        }

        // MARK: JSON value kinds

        /// Compared by type identity: asking `is NSNull` of an arbitrary value was a visible cost.
        static func isNull(_ value: Any?) -> Bool {
            guard let value else { return false }
            return ObjectIdentifier(type(of: value)) == nullType
        }

        static let nullType = ObjectIdentifier(NSNull.self)

        /// A JSON `true` or `false` (not a string or number), without reporting anything.
        static func literalBoolean(_ value: Any?) -> Bool? {
            guard let value, isBoolean(value) else { return nil }
            return value as? Bool
        }

        /// `null` or `""`: the two ways the schema's `allow(null, '')` lets a field be given empty.
        static func isNullOrEmpty(_ value: Any?) -> Bool { isNull(value) || value as? String == "" }

        /// JavaScript truthiness, as the service's custom rules test values (`if (!value.reason)`).
        static func isTruthy(_ value: Any?) -> Bool {
            guard let value, !isNull(value) else { return false }
            if let text = value as? String { return !text.isEmpty }
            if isContainer(value) { return true }
            if let number = value as? NSNumber { return isBoolean(value) ? number.boolValue : number.doubleValue != 0 }
            return true
        }

        /// A JSON object or array (as JSONSerialization returns them: Swift collections). Asked first because
        /// on Linux asking whether a Swift dictionary `is NSNull` bridges the whole dictionary.
        static func isContainer(_ value: Any) -> Bool {
            let type = ObjectIdentifier(Swift.type(of: value))
            if type == objectType || type == arrayType { return true }
            if type == booleanType || numberTypes.contains(type) || type == stringType || type == nullType {
                return false
            }
            return value is [String: Any] || value is [Any]
        }

        // The types JSONSerialization hands back, compared by identity: on Linux a cast such as `is NSNumber`
        // goes through the bridging machinery, which was a fifth of the cost of validating a body.
        static let objectType = ObjectIdentifier([String: Any].self)
        static let arrayType = ObjectIdentifier([Any].self)
        static let stringType = ObjectIdentifier(String.self)
        static let numberTypes: Set<ObjectIdentifier> = {
            let parsed = try? JSONSerialization.jsonObject(with: Data("[1, -2, 1.5, 1e300, 0]".utf8)) as? [Any]
            return Set((parsed ?? []).map { ObjectIdentifier(type(of: $0)) })
        }()

        /// The class JSONSerialization boxes true and false in (__NSCFBoolean, on Linux too); plain numbers are
        /// NSNumber. Compared by identity: formatting the type's name for every number was a visible cost.
        static let booleanType: ObjectIdentifier = {
            let parsed = try? JSONSerialization.jsonObject(with: Data("[true]".utf8)) as? [Any]
            return ObjectIdentifier(type(of: parsed?.first ?? true))
        }()

        static func isBoolean(_ value: Any) -> Bool { ObjectIdentifier(type(of: value)) == booleanType }

        static func isNumber(_ value: Any) -> Bool {
            let type = ObjectIdentifier(Swift.type(of: value))
            if type == booleanType { return false }
            if numberTypes.contains(type) { return (value as! NSNumber).doubleValue.isFinite }
            guard !isContainer(value), value is NSNumber else { return false }
            return (value as! NSNumber).doubleValue.isFinite
        }

        static func matches(_ text: String, _ pattern: String) -> Bool {
            CompiledPatterns.shared.matches(text, pattern)
        }
    }
}

/// Validation patterns compiled once: `String.range(of:options: .regularExpression)` compiles its pattern on
/// every call, which was the largest cost of offline validation at intake.
///
/// Patterns are Defra's JavaScript ones, matched as JavaScript matches them: `$` is the true end of input
/// (ICU's `$` also matches before a final line terminator, so `"TC1 2AB\r"` passed), and under `(?i)` no
/// character outside ASCII matches an ASCII letter (ICU's case folding took `ſ` for `s` and the Kelvin sign
/// for `k`; JavaScript's non-Unicode `/i` never maps a character above 127 to one below).
final class CompiledPatterns: Sendable {
    static let shared = CompiledPatterns()
    // NSRegularExpression is immutable once built and documented as safe to use from several threads.
    private nonisolated(unsafe) var cache: [String: NSRegularExpression] = [:]
    private let lock = NSLock()

    /// Values that matched, per pattern, by their exact UTF-8 bytes: a site sends the same permit number,
    /// postcode and carrier registration in file after file, and matching them again was most of what
    /// validation cost. Keyed by bytes, not `String` (whose `==` treats canonically equivalent spellings as
    /// one), so that a verdict never depends on what was validated before.
    private nonisolated(unsafe) var matched: [String: Set<[UInt8]>] = [:]
    private static let rememberedPerPattern = 256

    func matches(_ text: String, _ pattern: String) -> Bool {
        let bytes = Array(text.utf8)
        lock.lock()
        let known = matched[pattern]?.contains(bytes) == true
        lock.unlock()
        if known { return true }
        guard let regex = regex(pattern) else { return false }
        let subject = pattern.contains("(?i") ? JSText.caseFoldSafe(text) : text
        let found =
            regex.firstMatch(in: subject, range: NSRange(subject.startIndex..<subject.endIndex, in: subject)) != nil
        if found && bytes.count <= 64 {
            lock.lock()
            if matched[pattern, default: []].count >= Self.rememberedPerPattern { matched[pattern] = [] }
            matched[pattern, default: []].insert(bytes)
            lock.unlock()
        }
        return found
    }

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let regex = cache[pattern] { return regex }
        guard let regex = try? NSRegularExpression(pattern: JSText.icuPattern(pattern)) else { return nil }
        cache[pattern] = regex
        return regex
    }
}

/// Text compared and patterns read as JavaScript does them.
enum JSText {
    /// Membership as JavaScript's `includes` decides it: a `Set<String>` finds the Kelvin sign `K` for `K`
    /// (canonically equivalent), Defra's lists do not.
    static func contains(_ set: Set<String>, _ text: String) -> Bool {
        guard let index = set.firstIndex(of: text) else { return false }
        return equal(set[index], text)
    }

    /// What JavaScript's `String(value)` gives for a JSON value whose text a rule can match: a string as it
    /// is, an array as its elements joined by commas (`RegExp.test` converts its argument so; a consignment
    /// code sent as `["ABC123/45678"]` passes Defra's rule). Numbers, booleans and objects give nil: their
    /// text never matches a code's pattern, so the exact spelling does not matter.
    static func string(of value: Any) -> String? {
        if let text = value as? String { return text }
        if let array = value as? [Any] {
            var parts: [String] = []
            for element in array {
                if element is NSNull {
                    parts.append("")
                } else if let text = string(of: element) {
                    parts.append(text)
                } else {
                    return nil
                }
            }
            return parts.joined(separator: ",")
        }
        return nil
    }

    /// Equal code unit for code unit (no canonical equivalence).
    static func equal(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// `String.prototype.trim`: JavaScript's white space and line terminators (with U+FEFF, without the
    /// U+0085 that Foundation's set has) from both ends.
    static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isJSWhiteSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isJSWhiteSpace($0) })!
        return String(scalars[first...last])
    }

    static func isJSWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0xFEFF, 0x2028, 0x2029: return true
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    /// A JavaScript pattern for ICU: each `$` outside a character class becomes `\z`, the end of input.
    static func icuPattern(_ pattern: String) -> String {
        var out = ""
        var escaped = false
        var inClass = false
        for character in pattern {
            if escaped {
                out.append(character)
                escaped = false
                continue
            }
            switch character {
            case "\\":
                escaped = true
                out.append(character)
            case "[":
                inClass = true
                out.append(character)
            case "]":
                inClass = false
                out.append(character)
            case "$" where !inClass:
                out += "\\z"
            default:
                out.append(character)
            }
        }
        return out
    }

    /// The text with every character above ASCII whose case mapping gives an ASCII letter (`ſ`, the
    /// Kelvin sign, `ß`, `ﬁ`, dotted and dotless i) replaced by U+FFFD, which no letter class matches and a
    /// negated class still does, as the character itself does in JavaScript.
    static func caseFoldSafe(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if !scalar.isASCII, foldsToASCII(scalar) {
                scalars.append("\u{FFFD}")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    private static func foldsToASCII(_ scalar: Unicode.Scalar) -> Bool {
        let mapped =
            scalar.properties.uppercaseMapping + scalar.properties.lowercaseMapping
            + scalar.properties.titlecaseMapping
        return mapped.unicodeScalars.contains { $0.isASCII && $0.properties.isAlphabetic }
    }
}
