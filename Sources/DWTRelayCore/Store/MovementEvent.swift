import GRDB

/// One line of a movement's append-only audit trail: a state change or an HTTP exchange.
public struct MovementEvent: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "movementEvent"

    public var id: Int64?
    public var movementId: Int64
    public var at: Double
    public var kind: EventKind
    public var method: String?
    public var path: String?
    public var status: Int?
    public var durationMs: Double?
    public var fromState: String?
    public var toState: String?
    public var message: String?

    public init(
        movementId: Int64, at: Double, kind: EventKind, method: String? = nil, path: String? = nil, status: Int? = nil,
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

    /// The event as `show --json` and the local API give it (one shape for both).
    public var json: [String: Any] {
        var object: [String: Any] = ["at": ISO8601.string(at), "kind": kind.rawValue]
        if let method { object["method"] = method }
        if let path { object["path"] = path }
        if let status { object["status"] = status }
        if let durationMs { object["durationMs"] = (durationMs * 10).rounded() / 10 }
        if let fromState { object["from"] = fromState }
        if let toState { object["to"] = toState }
        if let message { object["message"] = message }
        return object
    }

}
