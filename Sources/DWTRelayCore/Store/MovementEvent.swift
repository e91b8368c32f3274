import GRDB
import HTTPTypes

/// One line of a movement's append-only audit trail: a state change or an HTTP exchange.
public struct MovementEvent: Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "movementEvent"

    public enum Columns {
        public static let id = Column("id")
        public static let movementId = Column("movementId")
    }

    /// A movement's trail, oldest first (the `movementEvent_movement` index serves it).
    static func trail(of movementId: Int64) -> QueryInterfaceRequest<MovementEvent> {
        filter(Columns.movementId == movementId).order(Columns.id)
    }

    public var id: Int64?
    public var movementId: Int64
    public var at: Double
    public var kind: EventKind
    public var method: HTTPRequest.Method?
    public var path: String?
    public var status: Int?
    public var durationMs: Double?
    public var fromState: MovementState?
    public var toState: MovementState?
    public var message: String?

    public init(
        movementId: Int64, at: Double, kind: EventKind, method: HTTPRequest.Method? = nil, path: String? = nil,
        status: Int? = nil, durationMs: Double? = nil, fromState: MovementState? = nil, toState: MovementState? = nil,
        message: String? = nil
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

    public init(row: Row) throws {
        id = row["id"]
        movementId = row["movementId"]
        at = row["at"]
        kind = row["kind"]
        method = row["method"]
        path = row["path"]
        status = row["status"]
        durationMs = row["durationMs"]
        fromState = row["fromState"]
        toState = row["toState"]
        message = row["message"]
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["movementId"] = movementId
        container["at"] = at
        container["kind"] = kind
        container["method"] = method
        container["path"] = path
        container["status"] = status
        container["durationMs"] = durationMs
        container["fromState"] = fromState
        container["toState"] = toState
        container["message"] = message
    }

}

/// HTTP methods are stored by name ("POST", "PUT"), as before they were typed.
extension HTTPRequest.Method: @retroactive DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> HTTPRequest.Method? {
        String.fromDatabaseValue(dbValue).flatMap { HTTPRequest.Method($0) }
    }
}
