import Foundation
import GRDB

/// What an alert is about. Alerts of one kind waiting for the same channel are coalesced into one message.
public enum AlertKind: String, Codable, Sendable, DatabaseValueConvertible {
    /// `status` changed level (OK, WARNING, CRITICAL and back).
    case health
    /// A ticket file could not be read (refused into `failed/`).
    case refused
    /// The service refused a load (400).
    case rejected
    /// A pending load is near or past its receipt deadline.
    case deadline
    /// The service charge is unpaid (402): loads are held.
    case payment
    /// The service charge expires within 30 days.
    case chargeExpiring = "charge-expiring"
    /// The day before, in numbers.
    case dailySummary = "daily-summary"
    /// `dwt-relay alert test`.
    case test

    /// The subject of an alert holding `count` events, the latest titled `latest`.
    func subject(count: Int, latest: String) -> String {
        guard count > 1 else { return latest }
        switch self {
        case .refused: return "\(count) ticket files could not be read"
        case .rejected: return "Defra refused \(count) loads"
        case .deadline: return "\(count) loads near or past their deadline"
        case .health, .payment, .chargeExpiring, .dailySummary, .test: return latest
        }
    }
}

/// One alert for one channel, queued durably and sent with retries: an alert lost in an outage is the one
/// that mattered. Never holds a secret or a payload: file names, references, states and error types only.
public struct Alert: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "alert"

    public var id: Int64?
    public var channel: AlertChannel
    public var kind: AlertKind
    public var subject: String
    /// The events it holds, one line each (JSON array); coalescing appends.
    public var lines: String
    public var count: Int
    public var createdAt: Double
    public var updatedAt: Double
    public var attempts: Int
    public var nextAttemptAt: Double
    public var sentAt: Double?
    public var lastError: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// What `dwt-relay alert test` sends (never queued).
    public static func test(channel: AlertChannel, now: Double) -> Alert {
        Alert(
            id: nil, channel: channel, kind: .test, subject: "test alert: this channel works",
            lines: AlertStore.encode(["A test from dwt-relay alert test at \(UKTime.minute(now))."]), count: 1,
            createdAt: now, updatedAt: now, attempts: 0, nextAttemptAt: now, sentAt: nil, lastError: nil)
    }

    public var lineList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(lines.utf8))) ?? []
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let channel = Column(CodingKeys.channel)
        public static let kind = Column(CodingKeys.kind)
        public static let sentAt = Column(CodingKeys.sentAt)
        public static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
    }
}

extension AlertChannel: DatabaseValueConvertible {}

/// An event worth telling someone: what the rules produce, before it is queued per channel.
public struct AlertEvent: Sendable, Equatable {
    public var kind: AlertKind
    public var subject: String
    public var line: String
}

/// Where an alert goes.
public enum AlertChannel: String, Codable, Sendable, CaseIterable {
    case webhook
    case email
}

/// Where the watcher has got to: what it has told already (saved with the alerts it queues).
public struct AlertCursor: Codable, Sendable, Equatable {
    public var health: String?
    /// Refusals with a higher id are new.
    public var refusalID: Int64 = 0
    /// Movements with a higher id are new (the watermark before `rejectionEventID`; kept so that a cursor
    /// saved by an earlier version still reads).
    public var rejectedID: Int64 = 0
    /// Rejections recorded by an event with a higher id are new; nil in a cursor saved by an earlier version,
    /// which then starts after the events that exist.
    public var rejectionEventID: Int64?
    /// Pending movements already reported near their deadline (dropped once no longer pending).
    public var deadlineIDs: [Int64] = []
    /// apiCodes already reported unpaid (dropped once paid, so a later 402 is told again).
    public var unpaidAPICodes: [String] = []
    /// apiCode → expiry date already reported as coming.
    public var chargeExpiryTold: [String: String] = [:]
    /// The UK day the last daily summary covered.
    public var summaryDay: String?
}
