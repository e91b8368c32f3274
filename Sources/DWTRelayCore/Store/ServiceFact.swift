/// A fact about the service the sender publishes for `status`, `/metrics` and the local API, and the one
/// place that says how it is kept in the store's `serviceState` table (key → text value; nil deletes).
public enum ServiceFact: Sendable, Equatable {
    public enum Auth: Sendable, Equatable {
        case ok
        /// The token endpoint refuses the credentials, with its words.
        case failing(String)
    }

    /// Whether the token endpoint accepts the credentials, as `status` shows it.
    public enum AuthState: String, Codable, Sendable {
        case ok, failing
        /// No token asked for yet.
        case unknown
    }

    /// Whether the sender has paused the queue after repeated failures, as `status` shows it.
    public enum CircuitState: String, Codable, Sendable {
        case closed, open
        /// The sender has not started yet.
        case unknown
    }

    case auth(Auth)
    /// The circuit is open until this wall time; nil: closed.
    case circuit(open: Double?)
    /// The apiCode's service charge is unpaid since this wall time; nil: paid again.
    case paymentRequired(apiCode: String, since: Double?)
    case tokenExpiresAt(Double)

    /// Every key of the `serviceState` table: the facts above, and what the daemon and the sender record about
    /// themselves (read by `StatusReport`, the office page and the store).
    public enum Key {
        public static let daemonPID = "daemon.pid"
        public static let daemonStartedAt = "daemon.startedAt"
        /// Written by the health service on every watchdog ping: a stopped daemon's status goes stale.
        public static let daemonHeartbeat = "daemon.heartbeat"
        /// Why intake cannot store movements (full disk, read-only database); nil when it can.
        public static let intakeError = "intake.error"
        /// Why the local API cannot listen; nil when it does.
        public static let httpError = "http.error"
        public static let lastAcceptedAt = "lastAcceptedAt"
        public static let lastError = "lastError"
        /// The id of the storage key the payloads are sealed with (a different key is refused at start-up).
        public static let storageKeyID = "storage.keyId"
        /// This database's id, and a loss of the one before it (`DatabaseIdentity`).
        public static let databaseID = "database.id"
        public static let databaseLoss = "database.loss"
        /// The alert watcher's cursor (JSON), saved with the alerts it queued.
        public static let alertsCursor = "alerts.cursor"
        public static let authState = "auth.state"
        public static let authDetail = "auth.detail"
        public static let tokenExpiresAt = "auth.tokenExpiresAt"
        public static let circuitState = "circuit.state"
        public static let circuitUntil = "circuit.until"
        public static let paymentRequiredPrefix = "paymentRequired:"
        /// Followed by the apiCode: the service charge's expiry date as the service sent it.
        public static let serviceChargeExpiryPrefix = "serviceChargeExpiry:"
    }

    public var entries: [(key: String, value: String?)] {
        switch self {
        case .auth(.ok): return [(Key.authState, AuthState.ok.rawValue), (Key.authDetail, nil)]
        case .auth(.failing(let detail)):
            return [(Key.authState, AuthState.failing.rawValue), (Key.authDetail, detail)]
        case .circuit(let until?):
            return [(Key.circuitState, CircuitState.open.rawValue), (Key.circuitUntil, String(until))]
        case .circuit(nil): return [(Key.circuitState, CircuitState.closed.rawValue), (Key.circuitUntil, nil)]
        case .paymentRequired(let apiCode, let since):
            return [(Key.paymentRequiredPrefix + apiCode, since.map { String($0) })]
        case .tokenExpiresAt(let at): return [(Key.tokenExpiresAt, String(at))]
        }
    }
}

extension ServiceFact {
    /// The published auth state among the store's service facts (`unknown` when none was published).
    public static func authState(in facts: [String: String]) -> AuthState {
        facts[Key.authState].flatMap(AuthState.init(rawValue:)) ?? .unknown
    }

    /// The published circuit state among the store's service facts (`unknown` when none was published).
    public static func circuitState(in facts: [String: String]) -> CircuitState {
        facts[Key.circuitState].flatMap(CircuitState.init(rawValue:)) ?? .unknown
    }
}

extension ServiceFact {
    /// The apiCodes whose service charge the service says is unpaid (402), in order.
    public static func unpaidAPICodes(in facts: [String: String]) -> [String] {
        byAPICode(Key.paymentRequiredPrefix, in: facts).keys.sorted()
    }

    /// apiCode → its service charge's expiry date, as the service last sent it.
    public static func serviceChargeExpiries(in facts: [String: String]) -> [String: String] {
        byAPICode(Key.serviceChargeExpiryPrefix, in: facts)
    }

    private static func byAPICode(_ prefix: String, in facts: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in facts where key.hasPrefix(prefix) { values[String(key.dropFirst(prefix.count))] = value }
        return values
    }
}
