import Foundation

/// What the Receipt API answered to one POST or PUT. The body is read once, when the answer arrives, into
/// the parts the sender and the store use (`Body`); before, each of them parsed it again.
public struct ReceiptResponse: Sendable {
    public let status: Int
    public let body: Data
    /// Header `service-charge-expiry-date` (ISO date or `not available`).
    public let serviceChargeExpiry: String?
    /// Seconds from `Retry-After`, if the server sent one.
    public let retryAfter: Double?
    /// The body as read.
    public let parsed: Body

    /// The parts of a body the relay uses.
    public struct Body: Sendable {
        /// Whether the body is a JSON object, as every answer of the service is (`{}` for a PUT).
        public var isJSONObject = false
        public var wasteTrackingId: String?
        /// `validation.warnings` re-encoded as a JSON array, nil when there are none.
        public var warningsJSON: String?
        /// `validation.errors` re-encoded as a JSON array, nil when there are none.
        public var errorsJSON: String?
        public var errors: [ValidationIssue] = []

        init(_ data: Data) {
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
            isJSONObject = true
            wasteTrackingId = object["wasteTrackingId"] as? String
            let validation = object["validation"] as? [String: Any]
            warningsJSON = ReceiptResponse.encode(validation?["warnings"])
            errorsJSON = ReceiptResponse.encode(validation?["errors"])
            errors = ValidationIssue.list(fromJSON: validation?["errors"])
        }
    }

    public init(status: Int, body: Data, serviceChargeExpiry: String?, retryAfter: Double?) {
        self.status = status
        self.body = body
        self.serviceChargeExpiry = serviceChargeExpiry
        self.retryAfter = retryAfter
        self.parsed = Body(body)
    }

    public var wasteTrackingId: String? { parsed.wasteTrackingId }

    /// The waste tracking ID when the body is the service's JSON with a well-formed ID; nil for a captive
    /// portal's HTML, a proxy's `{}` or a malformed ID, which must never count as accepted.
    public var validWasteTrackingId: String? { wasteTrackingId.flatMap(WasteTrackingID.init)?.value }

    /// Whether the body is a JSON object, as every answer of the service is (`{}` for a PUT).
    public var isJSONObject: Bool { parsed.isJSONObject }

    /// `validation.warnings` re-encoded as a JSON array, nil when there are none.
    public var warningsJSON: String? { parsed.warningsJSON }

    /// `validation.errors` as a JSON array; falls back to the raw body so nothing the service said is lost.
    public var errorsJSON: String {
        if let errors = parsed.errorsJSON { return errors }
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        return Self.encode([["key": "", "errorType": "Unknown", "message": text]]) ?? "[]"
    }

    /// The first error's key and type, for lists, status, the event log and logs. Never its message, which
    /// may quote a payload value: the full errors are kept sealed with the movement.
    public var firstErrorSummary: String {
        guard let first = parsed.errors.first else { return "HTTP \(status)" }
        return parsed.errors.count > 1 ? "\(first.summary) (+\(parsed.errors.count - 1) more)" : first.summary
    }

    fileprivate static func encode(_ value: Any?) -> String? {
        guard let value, let array = value as? [Any], !array.isEmpty,
            let data = try? JSONSerialization.data(withJSONObject: array, options: [.sortedKeys])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses `Retry-After` as delay-seconds or an HTTP date. Anything else, and a value that is not a
    /// finite number (`inf`, `nan`, `1e400`), counts as absent: the sender's own backoff applies. The sender
    /// also caps what it honours at `delivery.backoff_max_seconds`.
    static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return seconds.isFinite ? max(0, seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: value), date.timeIntervalSince(now).isFinite {
            return max(0, date.timeIntervalSince(now))
        }
        return nil
    }
}
