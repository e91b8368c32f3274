import GRDB

/// One line of a movement's append-only audit trail: a state change or an HTTP exchange.
public struct MovementEvent: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "movementEvent"

    public var id: Int64?
    public var movementId: Int64
    public var at: Double
    /// `state`, `http` or `note`.
    public var kind: String
    public var method: String?
    public var path: String?
    public var status: Int?
    public var durationMs: Double?
    public var fromState: String?
    public var toState: String?
    public var message: String?

    public init(
        movementId: Int64, at: Double, kind: String, method: String? = nil, path: String? = nil, status: Int? = nil,
        durationMs: Double? = nil, fromState: String? = nil, toState: String? = nil, message: String? = nil
    ) {
        self.movementId = movementId
        self.at = at
        self.kind = kind
        self.method = method
        self.path = path
        self.status = status
        self.durationMs = durationMs
        self.fromState = fromState
        self.toState = toState
        self.message = message
    }

}
