import Foundation
import HTTPTypes

/// What one delivery attempt ended in, as the store records it.
public enum DeliveryOutcome: Sendable, Equatable {
    /// 201/200, or 404 on PUT (`notFound`).
    case accepted(wasteTrackingId: String?, warningsJSON: String?, notFound: Bool)
    /// 400: the service's errors as JSON.
    case rejected(errorsJSON: String)
    /// Transient failure: back to `queued` until `nextAttemptAt`. `inDoubt` marks a POST that may have landed.
    case retry(nextAttemptAt: Double, inDoubt: Bool)
    /// Waits for an operator or a condition (`payment`, `forbidden`, `auth`, `in-doubt`).
    case held(reason: HoldReason, inDoubt: Bool)
    /// Not attempted after all (e.g. the queue was paused): back to `queued` without counting the attempt.
    case notAttempted(nextAttemptAt: Double)
}

/// Summary of one HTTP exchange for the event log. Never holds a token or a body.
public struct ExchangeRecord: Sendable {
    public var method: HTTPRequest.Method
    public var path: String
    public var status: Int?
    public var durationMs: Double
    public var error: String?
    public var serviceChargeExpiry: String?

    public init(
        method: HTTPRequest.Method, path: String, status: Int?, durationMs: Double, error: String?,
        serviceChargeExpiry: String?
    ) {
        self.method = method
        self.path = path
        self.status = status
        self.durationMs = durationMs
        self.error = error
        self.serviceChargeExpiry = serviceChargeExpiry
    }
}

/// A movement claimed for sending, with the request it needs.
public struct Delivery: Sendable {
    public var movement: Movement
    /// nil for a POST; the ID to PUT to otherwise.
    public var targetWasteTrackingId: String?
    /// The request body, decrypted.
    public var payload: Data
    public var id: Int64 { movement.id! }
}
