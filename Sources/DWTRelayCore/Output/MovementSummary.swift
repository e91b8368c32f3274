import Foundation

/// One movement as `list --json`, `GET /v1/movements`, `show` and `export` give it (the stable
/// `list --json` item). Keys that are always present are written as `null` when empty; `site`,
/// `nextAttemptAt` (queued), `holdReason` (held), `targetWasteTrackingId` and `revisionOf` only when they apply.
public struct MovementSummary: Encodable, Sendable, Equatable {
    public var id: Int64
    public var state: MovementState
    public var source: MovementSource
    public var sourceFile: String?
    public var yourUniqueReference: String?
    public var wasteTrackingId: String?
    public var kind: Movement.Kind
    public var attempts: Int
    public var lastError: String?
    public var lastStatus: Int?
    public var receivedAt: String
    public var acceptedAt: String?
    public var possibleDuplicate: Bool
    public var notFound: Bool
    public var apiCode: String?
    public var dateTimeReceived: String?
    public var deadline: String?
    public var site: String?
    public var nextAttemptAt: String?
    public var holdReason: HoldReason?
    public var targetWasteTrackingId: String?
    public var revisionOf: Int64?

    public init(_ movement: Movement) {
        id = movement.id ?? 0
        state = movement.state
        source = movement.source
        sourceFile = movement.sourceFile
        yourUniqueReference = movement.yourUniqueReference
        wasteTrackingId = movement.wasteTrackingId
        kind = movement.kind
        attempts = movement.attempts
        lastError = movement.lastError
        lastStatus = movement.lastStatus
        receivedAt = ISO8601.string(movement.receivedAt)
        acceptedAt = ISO8601.optional(movement.acceptedAt)
        possibleDuplicate = movement.possibleDuplicate
        notFound = movement.notFound
        apiCode = movement.apiCode
        dateTimeReceived = movement.dateTimeReceived
        deadline = ISO8601.optional(movement.deadlineAt)
        site = movement.site
        nextAttemptAt = movement.state == .queued ? ISO8601.optional(movement.nextAttemptAt) : nil
        holdReason = movement.state == .held ? movement.holdReason : nil
        targetWasteTrackingId = movement.targetWasteTrackingId
        revisionOf = movement.revisionOf
    }

    enum CodingKeys: String, CodingKey {
        case id, state, source, sourceFile, yourUniqueReference, wasteTrackingId, kind, attempts, lastError
        case lastStatus, receivedAt, acceptedAt, possibleDuplicate, notFound, apiCode, dateTimeReceived, deadline
        case site, nextAttemptAt, holdReason, targetWasteTrackingId, revisionOf
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(source, forKey: .source)
        try container.encode(sourceFile, forKey: .sourceFile)
        try container.encode(yourUniqueReference, forKey: .yourUniqueReference)
        try container.encode(wasteTrackingId, forKey: .wasteTrackingId)
        try container.encode(kind, forKey: .kind)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(lastStatus, forKey: .lastStatus)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(acceptedAt, forKey: .acceptedAt)
        try container.encode(possibleDuplicate, forKey: .possibleDuplicate)
        try container.encode(notFound, forKey: .notFound)
        try container.encode(apiCode, forKey: .apiCode)
        try container.encode(dateTimeReceived, forKey: .dateTimeReceived)
        try container.encode(deadline, forKey: .deadline)
        try container.encodeIfPresent(site, forKey: .site)
        try container.encodeIfPresent(nextAttemptAt, forKey: .nextAttemptAt)
        if state == .held { try container.encode(holdReason?.rawValue ?? "unknown", forKey: .holdReason) }
        try container.encodeIfPresent(targetWasteTrackingId, forKey: .targetWasteTrackingId)
        try container.encodeIfPresent(revisionOf, forKey: .revisionOf)
    }
}

/// One entry of a movement's event log, as `show` and `GET /v1/movements/{id}` give it.
public struct EventSummary: Encodable, Sendable, Equatable {
    public var at: String
    public var kind: EventKind
    public var method: String?
    public var path: String?
    public var status: Int?
    public var durationMs: Double?
    public var from: MovementState?
    public var to: MovementState?
    public var message: String?

    public init(_ event: MovementEvent) {
        at = ISO8601.string(event.at)
        kind = event.kind
        method = event.method?.rawValue
        path = event.path
        status = event.status
        durationMs = event.durationMs.map { ($0 * 10).rounded() / 10 }
        from = event.fromState
        to = event.toState
        message = event.message
    }
}

/// A movement with what is sealed in the store (its warnings, errors and body) and its event log: `show`
/// and `GET /v1/movements/{id}`. Made by `MovementStore.detail`, which unseals; without the storage key (a
/// member of the readers' group) the sealed parts are absent and `sealed` says why.
public struct MovementDetail: Encodable, Sendable {
    public var summary: MovementSummary
    public var warnings: JSONValue?
    public var errors: JSONValue?
    public var payload: JSONValue?
    public var events: [EventSummary]
    public var sealed: String?

    public init(summary: MovementSummary, events: [EventSummary]) {
        self.summary = summary
        self.events = events
    }

    public static let sealedNote =
        "payload, warnings and errors are sealed with the storage key, which this user may not read; "
        + "run as root to see them"

    /// The summary with the warnings and errors (and `sealed`, when they are), as one flat object.
    public var movement: FlatMovement { FlatMovement(detail: self) }

    public struct FlatMovement: Encodable, Sendable {
        let detail: MovementDetail
        var includeEvents = false

        enum Keys: String, CodingKey { case warnings, errors, sealed, events }

        public func encode(to encoder: any Encoder) throws {
            try detail.summary.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            if let sealed = detail.sealed {
                try container.encode(sealed, forKey: .sealed)
            } else {
                try container.encode(detail.warnings ?? .array([]), forKey: .warnings)
                try container.encode(detail.errors ?? .array([]), forKey: .errors)
            }
            if includeEvents { try container.encode(detail.events, forKey: .events) }
        }
    }

    /// The local API's body: the flat movement with its events.
    public var apiBody: FlatMovement { FlatMovement(detail: self, includeEvents: true) }
}

/// A final movement's result file, as the weighbridge software reads it. `ResultFile.render` writes the same
/// fields by hand for speed; `ResultFileTests` checks the two agree through `JSONEncoder`.
public struct MovementResult: Encodable, Sendable {
    public var id: Int64
    public var sourceFile: String?
    public var yourUniqueReference: String?
    public var state: MovementState
    public var wasteTrackingId: String?
    public var warnings: JSONValue
    public var errors: JSONValue
    public var possibleDuplicate: Bool
    public var notFound: Bool
    public var attempts: Int
    public var receivedAt: String
    public var acceptedAt: String?
    public var finishedAt: String?
    public var serviceChargeExpiry: String?
    public var notes: JSONValue

    /// `movement` must be unsealed.
    public init(_ movement: Movement) {
        id = movement.id ?? 0
        sourceFile = movement.sourceFile
        yourUniqueReference = movement.yourUniqueReference
        state = movement.state
        wasteTrackingId = movement.wasteTrackingId
        warnings = JSONValue(storedArray: movement.warnings)
        errors = JSONValue(storedArray: movement.errors)
        possibleDuplicate = movement.possibleDuplicate
        notFound = movement.notFound
        attempts = movement.attempts
        receivedAt = ISO8601.string(movement.receivedAt)
        acceptedAt = movement.state == .accepted ? ISO8601.optional(movement.acceptedAt) : nil
        finishedAt = ISO8601.optional(movement.finishedAt)
        serviceChargeExpiry = movement.serviceChargeExpiry
        notes = JSONValue(storedArray: movement.intakeNotes)
    }

    enum CodingKeys: String, CodingKey {
        case id, sourceFile, yourUniqueReference, state, wasteTrackingId, warnings, errors, possibleDuplicate
        case notFound, attempts, receivedAt, acceptedAt, finishedAt, serviceChargeExpiry, notes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(sourceFile, forKey: .sourceFile)
        try container.encode(yourUniqueReference, forKey: .yourUniqueReference)
        try container.encode(state, forKey: .state)
        try container.encode(wasteTrackingId, forKey: .wasteTrackingId)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(errors, forKey: .errors)
        try container.encode(possibleDuplicate, forKey: .possibleDuplicate)
        try container.encode(notFound, forKey: .notFound)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(receivedAt, forKey: .receivedAt)
        if state == .accepted { try container.encode(acceptedAt, forKey: .acceptedAt) }
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(serviceChargeExpiry, forKey: .serviceChargeExpiry)
        try container.encode(notes, forKey: .notes)
    }
}

extension JSONValue {
    /// A JSON array stored as text (warnings, errors, intake notes); `[]` when absent or unreadable.
    init(storedArray text: String?) {
        self = text.flatMap { JSONValue(parsing: Data($0.utf8)) } ?? .array([])
    }
}
