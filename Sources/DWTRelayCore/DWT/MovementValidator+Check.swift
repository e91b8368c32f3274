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
        mutating func present(_ value: JSONNode?, _ path: FieldPath) -> JSONNode? {
            guard let value else {
                fail(path, "NotProvided", "is required")
                return nil
            }
            return value
        }

        /// Keys the schema does not name are refused at every level, after the named ones, in the body's
        /// order (as Joi lists them; a tree from a dictionary has them sorted). The names are
        /// compared byte for byte along a short list: hashing each key into a set cost more.
        mutating func refuseUnknownKeys(_ object: JSONNode.Object, known: [String], _ path: FieldPath) {
            func isKnown(_ key: String) -> Bool { known.contains { $0.hasSameUTF8(as: key) } }
            guard object.members.contains(where: { !isKnown($0.key) }) else { return }
            for key in object.keys where !isKnown(key) {
                fail(path.field(key), "NotAllowed", "is not allowed")
            }
        }

        // MARK: types

        mutating func object(_ value: JSONNode, _ path: FieldPath) -> JSONNode.Object? {
            if let object = value.object { return object }
            fail(path, "InvalidType", "must be of type object")
            return nil
        }

        mutating func array(_ value: JSONNode, _ path: FieldPath) -> [JSONNode]? {
            if let array = value.array { return array }
            fail(path, "InvalidType", "must be an array")
            return nil
        }

        /// Joi's `string()`: a string, and not empty unless the schema allows `''`.
        mutating func string(_ value: JSONNode, _ path: FieldPath, allowEmpty: Bool = false) -> String? {
            guard let text = value.string else {
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
        mutating func oneOf(_ value: JSONNode, _ options: [String], _ path: FieldPath) -> String? {
            // Code unit for code unit, as JavaScript compares: Swift's `==` takes the Kelvin sign for a K.
            if let text = value.string, options.contains(where: { JSText.equal($0, text) }) { return text }
            fail(path, "InvalidValue", "must be one of [\(options.joined(separator: ", "))]")
            _ = string(value, path)
            return nil
        }

        /// Joi's `number().strict()`: a JSON number (not a numeric string, not a boolean). Beyond ±(2^53 − 1)
        /// Joi refuses it as unsafe (`number.unsafe`, which the service does not classify) before any rule.
        mutating func number(_ value: JSONNode, _ path: FieldPath) -> Double? {
            guard let number = value.number, number.value.isFinite else {
                fail(path, "InvalidType", "must be a number")
                return nil
            }
            guard abs(number.value) <= Self.largestSafeInteger else {
                fail(path, "UnexpectedError", "must be a safe number")
                return nil
            }
            return number.value
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
        mutating func boolean(_ value: JSONNode, _ path: FieldPath) -> Bool? {
            guard let flag = value.bool else {
                fail(path, "InvalidType", "must be a boolean")
                return nil
            }
            return flag
        }

        /// Joi's `alternatives().try(string().pattern(...), ...)`: a string none of the patterns match is
        /// `message`; a value that is not a string at all is Joi's "must be one of [string]", which the
        /// service does not classify.
        mutating func patterns(
            _ value: JSONNode, _ pattern: ValidationPattern, _ path: FieldPath, says message: String
        ) {
            guard let text = value.string else {
                fail(path, "UnexpectedError", "must be one of [string]")
                return
            }
            if !Self.matches(text, pattern) { fail(path, "InvalidFormat", message) }
        }

        // MARK: JSON value kinds

        static func isNull(_ value: JSONNode?) -> Bool { value?.isNull ?? false }

        /// `null` or `""`: the two ways the schema's `allow(null, '')` lets a field be given empty.
        static func isNullOrEmpty(_ value: JSONNode?) -> Bool { isNull(value) || value?.string == "" }

        /// JavaScript truthiness, as the service's custom rules test values (`if (!value.reason)`).
        static func isTruthy(_ value: JSONNode?) -> Bool {
            switch value {
            case nil, .null?: false
            case .string(let text)?: !text.isEmpty
            case .bool(let flag)?: flag
            case .number(let number)?: number.value != 0 && !number.value.isNaN
            case .array?, .object?: true
            }
        }

        static func matches(_ text: String, _ pattern: ValidationPattern) -> Bool { pattern.matches(text) }
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
    static func string(of value: JSONNode) -> String? {
        switch value {
        case .string(let text): return text
        case .array(let elements):
            var parts: [String] = []
            for element in elements {
                if element.isNull {
                    parts.append("")
                } else if let text = string(of: element) {
                    parts.append(text)
                } else {
                    return nil
                }
            }
            return parts.joined(separator: ",")
        default: return nil
        }
    }

    /// Equal code unit for code unit (no canonical equivalence).
    static func equal(_ a: String, _ b: String) -> Bool {
        a.hasSameUTF8(as: b)
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
