import Foundation

/// The local API's error body: `{"error": ...}`, and for a refused movement also the field at fault
/// (`null` when none is known), as `submit --json` lists a refused file.
public struct ErrorBody: Encodable, Sendable, Equatable {
    public var error: String
    public var field: String?
    /// Whether the body names a field (null when unknown) or is about no field at all.
    var namesField = false

    /// An error that is about no field (an unknown state, a body too large).
    public init(_ error: String) { self.error = error }

    /// A refused movement: the reason, and the field at fault when known.
    public static func refusal(_ reason: String, field: String?) -> ErrorBody {
        var body = ErrorBody(reason)
        body.field = field
        body.namesField = true
        return body
    }

    enum CodingKeys: String, CodingKey { case error, field }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(error, forKey: .error)
        if namesField { try container.encode(field, forKey: .field) }
    }
}

/// What storing one movement answered: its local id, and `duplicate` when it was stored before.
public struct StoredMovement: Encodable, Sendable, Equatable {
    public var id: Int64
    public var duplicate: Bool?

    public init(_ result: IngestResult) {
        id = result.id
        if case .duplicate = result { duplicate = true }
    }
}

/// `GET /healthz`: the process answers and can read its store.
public struct Liveness: Encodable, Sendable {
    public var alive: Bool
    public var error: String?

    public init(alive: Bool, error: String? = nil) {
        self.alive = alive
        self.error = error
    }
}

/// `submit --json`: what was stored (with the path or row it came from) and what was refused.
public struct SubmitOutput: Encodable, Sendable {
    public struct Stored: Encodable, Sendable {
        public var path: String
        public var id: Int64
        public var duplicate: Bool?
    }

    public struct Failed: Encodable, Sendable {
        public var path: String
        public var error: String
        public var field: String?

        public init(path: String, error: String, field: String?) {
            self.path = path
            self.error = error
            self.field = field
        }

        enum CodingKeys: String, CodingKey { case path, error, field }

        /// `field` is written as `null` when unknown, as before this was a model.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(error, forKey: .error)
            try container.encode(field, forKey: .field)
        }
    }

    public var stored: [Stored] = []
    public var failed: [Failed] = []

    public init() {}

    public mutating func add(path: String, _ result: IngestResult) {
        let answer = StoredMovement(result)
        stored.append(Stored(path: path, id: answer.id, duplicate: answer.duplicate))
    }
}

/// `validate --json`: one file's verdict, with the service's status and its errors and warnings.
public struct ValidationOutput: Encodable, Sendable {
    public var file: String
    public var valid: Bool
    public var status: Int
    public var errors: [ValidationIssue]
    public var warnings: [ValidationIssue]
    /// The error Defra's code raises after storing the movement (a 500), when it would.
    public var storedThenFails: ValidationIssue?

    public init(file: String, report: MovementValidator.Report) {
        self.file = file
        status = report.status
        valid = report.status == 201
        errors = report.errors
        warnings = report.warnings
        storedThenFails = report.storedThenFails
    }
}

/// `list --failed --json`: one file refused into `failed/`.
public struct RefusalOutput: Encodable, Sendable {
    public var id: String
    public var state = "failed"
    public var sourceFile: String
    public var failedPath: String?
    public var reason: String
    public var field: String?
    public var refusedAt: String
    public var deadlineAt: String
    public var acknowledgedAt: String?
    public var open: Bool
    public var site: String?

    public init(_ refusal: Refusal, open: Bool) {
        id = refusal.handle
        sourceFile = refusal.sourceFile
        failedPath = refusal.failedPath
        reason = refusal.reason
        field = refusal.field
        refusedAt = ISO8601.string(refusal.refusedAt)
        deadlineAt = ISO8601.string(refusal.deadlineAt)
        acknowledgedAt = refusal.acknowledgedAt.map(ISO8601.string)
        self.open = open
        site = refusal.site
    }

    enum CodingKeys: String, CodingKey {
        case id, state, sourceFile, failedPath, reason, field, refusedAt, deadlineAt, acknowledgedAt, open, site
    }

    /// Unknown values are written as `null`, as before this was a model.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(sourceFile, forKey: .sourceFile)
        try container.encode(failedPath, forKey: .failedPath)
        try container.encode(reason, forKey: .reason)
        try container.encode(field, forKey: .field)
        try container.encode(refusedAt, forKey: .refusedAt)
        try container.encode(deadlineAt, forKey: .deadlineAt)
        try container.encode(acknowledgedAt, forKey: .acknowledgedAt)
        try container.encode(open, forKey: .open)
        try container.encode(site, forKey: .site)
    }
}
