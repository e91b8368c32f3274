/// Why a movement was refused locally. Names the field when one is at fault.
public struct IntakeRejection: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String?
    public var reason: String

    public init(field: String? = nil, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "\(field): \(reason)" }
        return reason
    }
}
