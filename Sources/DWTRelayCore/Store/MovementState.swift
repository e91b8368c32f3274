import GRDB

/// Where a movement is in its life (docs/operating.md, "States").
public enum MovementState: String, Codable, Sendable, CaseIterable {
    /// Waiting to be sent, either new or in a retry wait (`nextAttemptAt`).
    case queued
    /// A request is in flight. Found at start-up, it means the daemon died mid-request.
    case sending
    /// The service stored it (201/200, or 404 on PUT which is flagged `notFound`).
    case accepted
    /// The service refused the body (400). Never retried; a corrected file fixes it.
    case rejected
    /// Waiting for an operator or a condition (402 payment, 403, credentials refused, in-doubt hold).
    case held
    /// Replaced by a later revision before it was ever sent.
    case superseded

    /// Final states never change again (apart from purge).
    public var isFinal: Bool { self == .accepted || self == .rejected || self == .superseded }
    /// Pending states still owe the service a delivery.
    public var isPending: Bool { self == .queued || self == .sending || self == .held }
}

/// How a movement reached dwt-relay.
public enum MovementSource: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// A file dropped into an inbox folder.
    case inbox
    /// `dwt-relay submit`.
    case submit
    /// `POST /v1/movements` on the local API.
    case api
}

extension MovementState: DatabaseValueConvertible {}
