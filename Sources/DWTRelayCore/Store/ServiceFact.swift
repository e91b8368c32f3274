import Foundation

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

    /// The fact as the keys and values it sets (nil deletes a key).
    public var entries: [(key: ServiceStateKey, value: String?)] {
        switch self {
        case .auth(.ok): return [(.authState, AuthState.ok.rawValue), (.authDetail, nil)]
        case .auth(.failing(let detail)): return [(.authState, AuthState.failing.rawValue), (.authDetail, detail)]
        case .circuit(let until?): return [(.circuitState, CircuitState.open.rawValue), (.circuitUntil, String(until))]
        case .circuit(nil): return [(.circuitState, CircuitState.closed.rawValue), (.circuitUntil, nil)]
        case .paymentRequired(let apiCode, let since):
            return [(.paymentRequired(apiCode: apiCode), since.map { String($0) })]
        case .tokenExpiresAt(let at): return [(.tokenExpiresAt, String(at))]
        }
    }
}

/// A key of the `serviceState` table: the facts above, and what the daemon, the sender, intake and the alert
/// watcher record about themselves. The one place that spells a stored key; `ServiceStatus` is the one
/// place that reads them back.
public enum ServiceStateKey: Hashable, Sendable, CustomStringConvertible {
    case daemonPID
    case daemonStartedAt
    /// Written by the health service on every watchdog ping: a stopped daemon's status goes stale.
    case daemonHeartbeat
    /// Why intake cannot store movements (full disk, read-only database); unset when it can.
    case intakeError
    /// Why the local API cannot listen; unset when it does.
    case httpError
    case lastAcceptedAt
    case lastError
    /// The id of the storage key the payloads are sealed with (a different key is refused at start-up).
    case storageKeyID
    /// This database's id, and a loss of the one before it (`DatabaseIdentity`).
    case databaseID
    case databaseLoss
    /// The alert watcher's cursor (JSON), saved with the alerts it queued.
    case alertsCursor
    case authState
    case authDetail
    case tokenExpiresAt
    case circuitState
    case circuitUntil
    /// The apiCode's service charge is unpaid (402) since the stored wall time.
    case paymentRequired(apiCode: String)
    /// The apiCode's service charge's expiry date, as the service last sent it.
    case serviceChargeExpiry(apiCode: String)

    static let paymentRequiredPrefix = "paymentRequired:"
    static let serviceChargeExpiryPrefix = "serviceChargeExpiry:"
    private static let plain: [ServiceStateKey] = [
        .daemonPID, .daemonStartedAt, .daemonHeartbeat, .intakeError, .httpError, .lastAcceptedAt, .lastError,
        .storageKeyID, .databaseID, .databaseLoss, .alertsCursor, .authState, .authDetail, .tokenExpiresAt,
        .circuitState, .circuitUntil,
    ]
    private static let byText = Dictionary(uniqueKeysWithValues: plain.map { ($0.description, $0) })

    /// The key as stored (these texts are the database's: never change one).
    public var description: String {
        switch self {
        case .daemonPID: return "daemon.pid"
        case .daemonStartedAt: return "daemon.startedAt"
        case .daemonHeartbeat: return "daemon.heartbeat"
        case .intakeError: return "intake.error"
        case .httpError: return "http.error"
        case .lastAcceptedAt: return "lastAcceptedAt"
        case .lastError: return "lastError"
        case .storageKeyID: return "storage.keyId"
        case .databaseID: return "database.id"
        case .databaseLoss: return "database.loss"
        case .alertsCursor: return "alerts.cursor"
        case .authState: return "auth.state"
        case .authDetail: return "auth.detail"
        case .tokenExpiresAt: return "auth.tokenExpiresAt"
        case .circuitState: return "circuit.state"
        case .circuitUntil: return "circuit.until"
        case .paymentRequired(let apiCode): return Self.paymentRequiredPrefix + apiCode
        case .serviceChargeExpiry(let apiCode): return Self.serviceChargeExpiryPrefix + apiCode
        }
    }

    /// A stored key read back; nil for one this version does not know (written by a later version).
    public init?(stored text: String) {
        if let key = Self.byText[text] {
            self = key
        } else if text.hasPrefix(Self.paymentRequiredPrefix) {
            self = .paymentRequired(apiCode: String(text.dropFirst(Self.paymentRequiredPrefix.count)))
        } else if text.hasPrefix(Self.serviceChargeExpiryPrefix) {
            self = .serviceChargeExpiry(apiCode: String(text.dropFirst(Self.serviceChargeExpiryPrefix.count)))
        } else {
            return nil
        }
    }
}

/// Everything the `serviceState` table says, typed: the one place its rows are read back (`init(rows:)`),
/// for `status`, `/metrics`, the office page, alerts and the commands.
public struct ServiceStatus: Sendable, Equatable {
    public var daemonPID: Int?
    public var daemonStartedAt: Double?
    public var daemonHeartbeat: Double?
    public var intakeError: String?
    public var httpError: String?
    public var lastAcceptedAt: Double?
    public var lastError: String?
    public var storageKeyID: String?
    public var databaseID: String?
    /// A lost database, recorded until an operator acknowledges it.
    public var databaseLoss: DatabaseIdentity.Loss?
    public var alertsCursor: String?
    public var auth: ServiceFact.AuthState = .unknown
    public var authDetail: String?
    public var tokenExpiresAt: Double?
    public var circuit: ServiceFact.CircuitState = .unknown
    public var circuitUntil: Double?
    /// apiCode → since when its service charge is unpaid (402).
    public var unpaidSince: [String: Double] = [:]
    /// apiCode → its service charge's expiry date, as the service last sent it.
    public var serviceChargeExpiries: [String: String] = [:]
    /// When each key was last written.
    public var updatedAt: [ServiceStateKey: Double] = [:]

    public init() {}

    /// The table's rows (key, value, when written).
    public init(rows: [(key: String, value: String, updatedAt: Double)]) {
        for row in rows {
            guard let key = ServiceStateKey(stored: row.key) else { continue }
            updatedAt[key] = row.updatedAt
            let value = row.value
            switch key {
            case .daemonPID: daemonPID = Int(value)
            case .daemonStartedAt: daemonStartedAt = Double(value)
            case .daemonHeartbeat: daemonHeartbeat = Double(value)
            case .intakeError: intakeError = value
            case .httpError: httpError = value
            case .lastAcceptedAt: lastAcceptedAt = Double(value)
            case .lastError: lastError = value
            case .storageKeyID: storageKeyID = value
            case .databaseID: databaseID = value
            case .databaseLoss:
                databaseLoss = try? JSONDecoder().decode(DatabaseIdentity.Loss.self, from: Data(value.utf8))
            case .alertsCursor: alertsCursor = value
            case .authState: auth = ServiceFact.AuthState(rawValue: value) ?? .unknown
            case .authDetail: authDetail = value
            case .tokenExpiresAt: tokenExpiresAt = Double(value)
            case .circuitState: circuit = ServiceFact.CircuitState(rawValue: value) ?? .unknown
            case .circuitUntil: circuitUntil = Double(value)
            case .paymentRequired(let apiCode): unpaidSince[apiCode] = Double(value) ?? 0
            case .serviceChargeExpiry(let apiCode): serviceChargeExpiries[apiCode] = value
            }
        }
    }

    /// The apiCodes whose service charge the service says is unpaid (402), in order.
    public var unpaidAPICodes: [String] { unpaidSince.keys.sorted() }
}
