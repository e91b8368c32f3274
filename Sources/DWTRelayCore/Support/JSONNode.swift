import Foundation

/// A JSON value as intake reads a movement body: parsed once from the file's bytes (`JSONNode.read`), then
/// merged with the site's defaults, put into the API's form, checked against Defra's rules and, when
/// something changed, written out again (`encoded`). One typed tree for all of it: the `Any` tree
/// Foundation's parser builds cost intake with validation on more in casts, boxes and hashing than the
/// checks themselves.
///
/// It keeps what the checks need to decide as JavaScript decides: `true` is not the number 1, an object's
/// keys are compared byte for byte, and a number keeps its text (what is sent on) beside its value (what
/// the rules compare).
public enum JSONNode: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Number)
    case string(String)
    case array([JSONNode])
    case object(Object)

    /// A number as written and as JavaScript reads it (a double).
    public struct Number: Sendable, Equatable {
        /// The JSON text of the number, written out again unchanged.
        public let text: String
        public let value: Double

        public init(text: String, value: Double) {
            self.text = text
            self.value = value
        }

        /// Equal as values: `1.50` and `1.5` are one number to every reader of the body.
        public static func == (a: Number, b: Number) -> Bool { a.value == b.value }
    }

    /// An object's members in the order written. Keys are compared byte for byte, as JavaScript compares
    /// them (Swift's `==` takes the Kelvin sign for a K); a movement's objects hold a handful of keys, so a
    /// search along them costs less than hashing every key.
    public struct Object: Sendable, Equatable {
        public struct Member: Sendable, Equatable {
            public var key: String
            public var value: JSONNode
        }

        public private(set) var members: [Member]

        public init(_ members: [Member] = []) { self.members = members }

        public var count: Int { members.count }
        public var isEmpty: Bool { members.isEmpty }
        public var keys: [String] { members.map(\.key) }

        /// The member's value; setting a new key appends it, setting nil removes the member.
        public subscript(key: String) -> JSONNode? {
            get { position(of: key).map { members[$0].value } }
            set {
                switch (position(of: key), newValue) {
                case (let index?, let value?): members[index].value = value
                case (let index?, nil): members.remove(at: index)
                case (nil, let value?): members.append(Member(key: key, value: value))
                case (nil, nil): break
                }
            }
        }

        public func contains(_ key: String) -> Bool { position(of: key) != nil }

        private func position(of key: String) -> Int? {
            members.firstIndex { $0.key.hasSameUTF8(as: key) }
        }

        /// The same members, in any order (a parsed file's order against a dictionary's).
        public static func == (a: Object, b: Object) -> Bool {
            a.count == b.count && a.members.allSatisfy { member in b[member.key] == member.value }
        }
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var object: Object? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var array: [JSONNode]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var number: Number? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// An object or an array.
    public var isContainer: Bool {
        switch self {
        case .object, .array: true
        default: false
        }
    }

    /// What the value is, for a refusal a person reads ("not a JSON object (got an array)").
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool, .number: "a number or boolean"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension String {
    /// Equal byte for byte, as JavaScript compares strings (Swift's `==` takes canonically equivalent
    /// spellings, such as the Kelvin sign and K, for one). Through the bytes themselves: `utf8.elementsEqual`
    /// went through generic metadata on every call, the largest cost of reading a file in a profile.
    public func hasSameUTF8(as other: String) -> Bool {
        let (a, b) = (utf8, other.utf8)
        // The lengths first: they are stored, and nearly every pair that differs differs in length.
        guard a.count == b.count else { return false }
        let compared = a.withContiguousStorageIfAvailable { first in
            b.withContiguousStorageIfAvailable { second in
                guard let x = first.baseAddress, let y = second.baseAddress else { return true }
                return memcmp(x, y, first.count) == 0
            }
        }
        return (compared ?? nil) ?? a.elementsEqual(b)
    }
}
