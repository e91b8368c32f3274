/// A fact about the service the sender publishes for `status`, `/metrics` and the local API, and the one
/// place that says how it is kept in the store's `serviceState` table (key → text value; nil deletes).
public enum ServiceFact: Sendable, Equatable {
    public enum Auth: Sendable, Equatable {
        case ok
        /// The token endpoint refuses the credentials, with its words.
        case failing(String)
    }

    case auth(Auth)
    /// The circuit is open until this wall time; nil: closed.
    case circuit(open: Double?)
    /// The apiCode's service charge is unpaid since this wall time; nil: paid again.
    case paymentRequired(apiCode: String, since: Double?)
    case tokenExpiresAt(Double)

    /// The keys `StatusReport` reads.
    public enum Key {
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
        case .auth(.ok): return [(Key.authState, "ok"), (Key.authDetail, nil)]
        case .auth(.failing(let detail)): return [(Key.authState, "failing"), (Key.authDetail, detail)]
        case .circuit(let until?): return [(Key.circuitState, "open"), (Key.circuitUntil, String(until))]
        case .circuit(nil): return [(Key.circuitState, "closed"), (Key.circuitUntil, nil)]
        case .paymentRequired(let apiCode, let since):
            return [(Key.paymentRequiredPrefix + apiCode, since.map { String($0) })]
        case .tokenExpiresAt(let at): return [(Key.tokenExpiresAt, String(at))]
        }
    }
}
