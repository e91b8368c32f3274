import Foundation

/// Any JSON value, for the parts of an output model that are the service's or the writer's own JSON (a
/// movement's body, the service's warnings and errors): kept as they were, encoded as they were.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; nil for text that is not JSON.
    public init?(parsing data: Data) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONText {
    /// Output models as CLI output and API bodies: sorted keys, `/` unescaped, pretty unless told not to.
    public static func encode(_ value: some Encodable, pretty: Bool = true) -> String {
        let text = String(decoding: data(value, pretty: pretty), as: UTF8.self)
        // JSONEncoder writes an empty array or object across three lines; people read `[]`.
        return pretty ? text.replacing(#/\[\n\n *\]/#, with: "[]").replacing(#/\{\n\n *\}/#, with: "{}") : text
    }

    public static func data(_ value: some Encodable, pretty: Bool = true) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty
            ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [
                .sortedKeys, .withoutEscapingSlashes,
            ]
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }
}

extension JSONValue {
    /// A string's text, or the JSON of anything else (for a line a person reads).
    public var text: String {
        if case .string(let string) = self { return string }
        return JSONText.encode(self, pretty: false)
    }
}

extension JSONValue {
    /// The service's validation warnings or errors (`[{key, errorType, message}]`) as message and key.
    public var serviceIssues: [(message: String, key: String?)] {
        guard case .array(let items) = self else { return [] }
        return items.compactMap { item in
            guard case .object(let fields) = item else { return nil }
            let key: String? = if case .string(let key) = fields["key"] { key } else { nil }
            return (fields["message"]?.text ?? "", key)
        }
    }
}

extension JSONValue {
    /// An output model as a JSON value (for a table or a line built from its fields).
    public init(encoding value: some Encodable) {
        self = JSONValue(parsing: JSONText.data(value, pretty: false)) ?? .null
    }

    /// The fields of an object; empty for anything else.
    public var fields: [String: JSONValue] {
        if case .object(let fields) = self { return fields }
        return [:]
    }
}
