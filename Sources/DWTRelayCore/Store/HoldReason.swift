import GRDB

/// Why a movement is `held`: it waits for a person or a condition instead of being sent.
public enum HoldReason: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// 402: the organisation's service charge is unpaid. A payment probe releases them once it is paid.
    case payment
    /// The token endpoint refuses the credentials. Released when an auth probe gets a token again.
    case auth
    /// 403: the apiCode or the client's permissions. An operator fixes it and runs `retry`.
    case forbidden
    /// A POST that may already be stored at the service, under `delivery.in_doubt: hold`.
    case inDoubt = "in-doubt"
    /// An HTTP status the sender has no rule for. An operator looks, then runs `retry`.
    case unexpectedStatus = "unexpected-status"

    /// Whether only a person ends the hold (`dwt-relay retry`). A payment or auth hold ends by itself when
    /// its probe succeeds, so `status` reports those by their cause (unpaid charge, refused credentials).
    public var waitsForAnOperator: Bool {
        switch self {
        case .payment, .auth: false
        case .forbidden, .inDoubt, .unexpectedStatus: true
        }
    }
}

/// What one line of a movement's event log records.
public enum EventKind: String, Codable, Sendable, DatabaseValueConvertible {
    /// A change of state (`fromState` → `toState`).
    case state
    /// One HTTP exchange with the service (method, path, status, duration).
    case http
    /// Anything else worth keeping: offline validation, an operator's action, a probe.
    case note
}
