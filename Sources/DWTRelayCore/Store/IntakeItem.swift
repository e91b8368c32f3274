import Foundation

/// A checked movement ready to be committed: what intake hands the store.
public struct IntakeItem: Sendable {
    public var source: MovementSource
    public var sourceFile: String?
    public var contentHash: String
    /// The API body to send (with `apiCode` filled in).
    public var body: Data
    public var apiCode: String?
    public var yourUniqueReference: String?
    /// Set when the file was an envelope naming the ID to update.
    public var envelopeWasteTrackingId: String?
    public var dateTimeReceived: String?
    /// End of the second working day after receipt (Europe/London), if computed.
    public var deadlineAt: Double?
    /// Offline validation errors found at intake (`intake.validate: warn`); the movement is still sent.
    public var localIssues: [ValidationIssue] = []
    /// The site it came from (multi-site configs).
    public var site: String?
    /// Dotted paths of the body that came from the site's defaults file.
    public var filledFromDefaults: [String] = []
    /// What intake put into the API's form (`path: "was" → "now"`), for the site to fix at the source.
    public var normalised: [String] = []
    /// Where in a multi-movement file it came from (`from tickets.csv rows 9–11`), noted on the movement.
    public var origin: String?

    public init(
        source: MovementSource, sourceFile: String?, contentHash: String, body: Data, apiCode: String?,
        yourUniqueReference: String?, envelopeWasteTrackingId: String?, dateTimeReceived: String?
    ) {
        self.source = source
        self.sourceFile = sourceFile
        self.contentHash = contentHash
        self.body = body
        self.apiCode = apiCode
        self.yourUniqueReference = yourUniqueReference
        self.envelopeWasteTrackingId = envelopeWasteTrackingId
        self.dateTimeReceived = dateTimeReceived
    }
}

/// What the store did with one intake item.
public enum IngestResult: Sendable, Equatable {
    /// Newly stored with this local id.
    case stored(id: Int64)
    /// Already taken earlier (same file name and content): nothing new was stored.
    case duplicate(existingId: Int64)

    public var id: Int64 {
        switch self {
        case .stored(let id), .duplicate(let id): return id
        }
    }
}
