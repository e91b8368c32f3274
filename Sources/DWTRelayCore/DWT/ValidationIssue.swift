/// One validation result in the service's shape: `{"key", "errorType", "message"}`.
public struct ValidationIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public var key: String
    public var errorType: String
    public var message: String

    public init(_ key: String, _ errorType: String, _ message: String) {
        self.key = key
        self.errorType = errorType
        self.message = message
    }

    public var description: String { "\(key) [\(errorType)]: \(message)" }

    public var json: [String: Any] { ["key": key, "errorType": errorType, "message": message] }
}
