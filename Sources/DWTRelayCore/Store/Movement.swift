import Foundation
import GRDB

/// One waste movement as stored: the request body to deliver and everything learnt delivering it.
public struct Movement: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "movement"

    /// How the movement reaches the service.
    public enum Kind: String, Codable, Sendable { case post, put }

    public var id: Int64?
    public var source: MovementSource
    /// File name as dropped by the writer (no folder), when there was a file.
    public var sourceFile: String?
    /// SHA-256 of the bytes received; with `sourceFile` it identifies a file already taken.
    public var contentHash: String
    /// The API request body exactly as it will be sent.
    public var payload: Data
    public var apiCode: String?
    public var yourUniqueReference: String?
    public var kind: Kind
    /// For a PUT: the waste tracking ID to update (from an envelope or an earlier movement).
    public var targetWasteTrackingId: String?
    /// For a revision: the earlier movement whose ID this one updates once it has one.
    public var revisionOf: Int64?
    public var state: MovementState
    public var holdReason: HoldReason?
    public var attempts: Int
    public var nextAttemptAt: Double?
    public var wasteTrackingId: String?
    /// JSON array of the service's validation warnings.
    public var warnings: String?
    /// JSON array of the service's validation errors (400).
    public var errors: String?
    public var lastError: String?
    public var lastStatus: Int?
    /// The service may hold this movement twice (an in-doubt POST was resent).
    public var possibleDuplicate: Bool
    /// A PUT answered 404: the service stored the details but did not know the ID.
    public var notFound: Bool
    public var dateTimeReceived: String?
    public var receivedAt: Double
    public var sentAt: Double?
    public var acceptedAt: Double?
    public var finishedAt: Double?
    public var updatedAt: Double
    public var serviceChargeExpiry: String?
    /// Whether the final outcome was written to `paths.results` (repaired at start-up if not).
    public var resultWritten: Bool
    /// The legal deadline for recording the receipt (see `ReceiptDeadline`).
    public var deadlineAt: Double? = nil
    /// The site (`sites:` name) whose inbox or submission this came from; nil for single-site configs.
    public var site: String? = nil
    /// JSON array of what intake did (`from tickets.csv rows 9–11`, filled from the site defaults, put into
    /// the API's form), for the result file: the site fixes its source by it. Quotes no names or addresses.
    public var intakeNotes: String? = nil

    /// Where the ticket came from, for people: its file name (`tickets.csv, row 9` for a CSV movement), or how
    /// it arrived.
    public var ticketName: String {
        sourceFile.map(CSVRowPointer.display) ?? "via \(source)"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Base name for result files: the source file without `.json`, or `movement-ID`.
    public var resultBaseName: String {
        if let sourceFile, sourceFile.hasSuffix(".json") { return String(sourceFile.dropLast(5)) }
        if let sourceFile { return sourceFile }
        return "movement-\(id ?? 0)"
    }
}
