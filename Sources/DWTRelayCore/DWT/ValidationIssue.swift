/// One validation result in the service's shape: `{"key", "errorType", "message"}`.
public struct ValidationIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public var key: String
    public var errorType: String
    public var message: String

    public init(_ key: String, _ errorType: String, _ message: String) {
        // Defra's formatter falls back to Joi's label when the path joins to nothing (a key named "").
        let dotted = Self.dotted(key)
        self.key = dotted.isEmpty ? "value" : dotted
        self.errorType = errorType
        self.message = message
    }

    public var description: String { "\(key) [\(errorType)]: \(message)" }

    /// The key and error type without the message: what may be stored in plaintext columns and logged. A
    /// message can quote the value sent (Joi's default messages do: `with value "..."`), and values are
    /// sealed like the rest of the payload.
    public var summary: String { "\(key) [\(errorType)]" }

    /// Up to `limit` issues as summaries, with how many more there are.
    public static func summary(of issues: [ValidationIssue], limit: Int = 5) -> String {
        let shown = issues.prefix(limit).map(\.summary).joined(separator: "; ")
        return issues.count > limit ? shown + " (+\(issues.count - limit) more)" : shown
    }

    public var json: [String: Any] { ["key": key, "errorType": errorType, "message": message] }

    /// A `validation.errors` or `warnings` list as the service (or `validate --json`) writes it.
    public static func list(fromJSON value: Any?) -> [ValidationIssue] {
        (value as? [[String: Any]] ?? []).map {
            ValidationIssue(
                $0["key"] as? String ?? "", $0["errorType"] as? String ?? "", $0["message"] as? String ?? "")
        }
    }

    /// The running service's key form: the Joi path joined with dots (`wasteItems.0.ewcCodes.0`); brackets
    /// appear only inside messages. Rules are written with brackets, as the messages quote them.
    static func dotted(_ key: String) -> String {
        guard key.contains("[") else { return key }
        var result = ""
        var rest = Substring(key)
        while let open = rest.firstIndex(of: "[") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "]"), !rest[afterOpen..<close].isEmpty,
                rest[afterOpen..<close].allSatisfy(\.isASCIIDigitCharacter)
            {
                result += "." + rest[afterOpen..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                result += "["
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
