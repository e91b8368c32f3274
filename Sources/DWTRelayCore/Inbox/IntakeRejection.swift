/// Why a movement was refused locally. Names the field when one is at fault.
public struct IntakeRejection: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String?
    public var reason: String
    /// The spec's validation errors, when offline validation refused the movement.
    public var issues: [ValidationIssue] = []

    public init(field: String? = nil, _ reason: String, issues: [ValidationIssue] = []) {
        self.field = field
        self.reason = reason
        self.issues = issues
    }

    public var description: String {
        if let field { return "\(field): \(reason)" }
        return reason
    }
}
