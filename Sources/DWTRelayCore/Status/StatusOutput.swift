/// `status --json` and `GET /v1/status` (docs/operating.md, "status --json"). Keys are always present; an unknown
/// value is `null`.
public struct StatusOutput: Encodable, Sendable {
    public struct Daemon: Encodable, Sendable {
        @Nullable public var running: Bool?
        @Nullable public var pid: Int?
        @Nullable public var startedAt: String?
        @Nullable public var lastHeartbeatAt: String?
    }

    public struct Auth: Encodable, Sendable {
        public var state: ServiceFact.AuthState
        @Nullable public var detail: String?
        @Nullable public var tokenExpiresAt: String?
    }

    public struct Circuit: Encodable, Sendable {
        public var state: ServiceFact.CircuitState
        @Nullable public var until: String?
    }

    public struct Inbox: Encodable, Sendable {
        @Nullable public var waiting: Int?
        @Nullable public var oldestWaitingAt: String?
    }

    public struct Deadlines: Encodable, Sendable {
        public var dueSoon: Int
        public var overdue: Int
    }

    public struct Unreported: Encodable, Sendable {
        public var rejected: Int
        public var refused: Int
        public var refusedOverdue: Int
    }

    /// One site of a multi-site config (`status --json` only).
    public struct Site: Encodable, Sendable {
        public var inbox: String
        @Nullable public var apiCode: String?
        public var nation: String
        public var counts: [String: Int]
        public var waiting: Int

        public init(inbox: String, apiCode: String?, nation: String, counts: [String: Int], waiting: Int) {
            self.inbox = inbox
            self.apiCode = apiCode
            self.nation = nation
            self.counts = counts
            self.waiting = waiting
        }
    }

    public var health: String
    public var problems: [String]
    public var daemon: Daemon
    /// Per state, every state present.
    public var counts: [String: Int]
    public var pending: Int
    @Nullable public var oldestPendingAt: String?
    @Nullable public var oldestPendingAgeSeconds: Int?
    @Nullable public var lastAcceptedAt: String?
    @Nullable public var lastError: String?
    public var auth: Auth
    public var circuit: Circuit
    /// Per apiCode, the date the service sent.
    public var serviceChargeExpiry: [String: String]
    public var paymentRequired: [String]
    /// Per hold reason.
    public var held: [String: Int]
    public var possibleDuplicates: Int
    public var inbox: Inbox
    public var deadlines: Deadlines
    public var unreported: Unreported
    /// Only for multi-site configs.
    public var sites: [String: Site]?

    public func count(_ state: MovementState) -> Int { counts[state.rawValue] ?? 0 }
}

/// An optional that is written as `null` when absent instead of being left out (synthesized `Encodable`
/// leaves out nil optionals; the stable JSON outputs keep every key).
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
