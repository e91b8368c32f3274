import GRDB

/// A file the daemon could not take as a movement (not JSON, too big, no apiCode...), moved to `failed/`.
/// It is a load that still has to be reported, so it counts as a problem in `status` until an operator
/// acknowledges it (`dwt-relay ack F<id>`) or a file of the same name is taken later (the corrected drop).
public struct Refusal: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "refusal"

    public var id: Int64?
    public var site: String?
    /// The name the writer gave the file in the inbox.
    public var sourceFile: String
    /// Where it was moved (beside `failedPath.error.json`); nil when it could not be moved.
    public var failedPath: String?
    public var reason: String
    public var field: String?
    public var refusedAt: Double
    /// The receipt deadline, counted from the day it was refused (its own date is unknown).
    public var deadlineAt: Double
    public var acknowledgedAt: Double?
    /// The reference of a refused CSV row's movement: a movement of it taken since deals with the refusal.
    public var yourUniqueReference: String?

    /// A movement of a CSV file (`tickets.csv.row12`): the file and the row it starts on.
    public var csvRow: (file: String, row: Int)? { CSVRowPointer.parse(sourceFile) }

    /// What was refused, in words: "ticket file NAME", or "row 12 of tickets.csv".
    public var what: String {
        if let (file, row) = csvRow { return "row \(row) of \(file)" }
        return "ticket file \(sourceFile)"
    }

    public init(
        site: String?, sourceFile: String, failedPath: String?, reason: String, field: String?, refusedAt: Double,
        deadlineAt: Double
    ) {
        self.site = site
        self.sourceFile = sourceFile
        self.failedPath = failedPath
        self.reason = reason
        self.field = field
        self.refusedAt = refusedAt
        self.deadlineAt = deadlineAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// How operators name it on the command line (movement IDs are plain numbers).
    public var handle: String { "F\(id ?? 0)" }

    /// The id in a handle as `handle` writes it (`F3`, or `f3` typed by hand); nil for anything else.
    public static func id(fromHandle text: String) -> Int64? {
        guard text.uppercased().hasPrefix("F") else { return nil }
        return Int64(text.dropFirst())
    }
}

extension Refusal {
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let deadlineAt = Column(CodingKeys.deadlineAt)
        public static let acknowledgedAt = Column(CodingKeys.acknowledgedAt)
        public static let refusedAt = Column(CodingKeys.refusedAt)
        public static let site = Column(CodingKeys.site)
        public static let sourceFile = Column(CodingKeys.sourceFile)
        public static let failedPath = Column(CodingKeys.failedPath)
        public static let reason = Column(CodingKeys.reason)
        public static let yourUniqueReference = Column(CodingKeys.yourUniqueReference)
    }

    /// Not acknowledged, no file of the same name taken for the same site since, and (a CSV row) no movement
    /// of its reference taken since.
    static let openCondition = SQL(
        """
        refusal.acknowledgedAt IS NULL AND NOT EXISTS (
            SELECT 1 FROM movement INDEXED BY movement_source WHERE movement.sourceFile = refusal.sourceFile
            AND movement.site IS refusal.site AND movement.receivedAt > refusal.refusedAt)
        AND (refusal.yourUniqueReference IS NULL OR NOT EXISTS (
            SELECT 1 FROM movement INDEXED BY movement_reference
            WHERE movement.yourUniqueReference = refusal.yourUniqueReference
            AND movement.site IS refusal.site AND movement.receivedAt > refusal.refusedAt))
        """)
}
