import Foundation

/// What the watcher reads from the store on each pass.
public struct AlertFacts: Sendable {
    public var health: StatusReport.Health
    public var healthLine: String
    public var newRefusals: [Refusal] = []
    public var newRejections: [Movement] = []
    /// The last rejection event the store looked at for `newRejections`.
    public var rejectionEventsSeenUpTo: Int64?
    public var nearDeadline: [Movement] = []
    public var unpaidAPICodes: Set<String> = []
    /// apiCode → expiry date (YYYY-MM-DD or ISO 8601) as the service sent it.
    public var chargeExpiry: [String: String] = [:]
    /// Highest ids that exist, to start a new cursor without telling old history.
    public var latestRefusalID: Int64 = 0
    public var latestMovementID: Int64 = 0
    public var latestEventID: Int64 = 0
}

/// The alert decisions: facts and the cursor in, events to queue and the new cursor out. Pure, for tests.
public enum AlertRules {
    public static func evaluate(_ facts: AlertFacts, cursor: AlertCursor?, now: Double) -> (
        events: [AlertEvent], cursor: AlertCursor
    ) {
        // A first pass starts after what already exists: history from before alerts were set up is not news.
        var next =
            cursor
            ?? AlertCursor(
                health: StatusReport.Health.ok.rawValue, refusalID: facts.latestRefusalID,
                rejectedID: facts.latestMovementID, rejectionEventID: facts.latestEventID)
        var events: [AlertEvent] = []
        if next.health != facts.health.rawValue {
            let was = next.health ?? "unknown"
            events.append(
                AlertEvent(
                    kind: .health, subject: "status is \(facts.health.rawValue) (was \(was))",
                    line: "\(UKTime.minute(now)): \(facts.healthLine)"))
            next.health = facts.health.rawValue
        }
        for refusal in facts.newRefusals where (refusal.id ?? 0) > next.refusalID {
            events.append(
                AlertEvent(
                    kind: .refused, subject: "\(refusal.what) could not be read",
                    line: "\(refusal.sourceFile): \(refusal.field.map { "\($0): " } ?? "")\(refusal.reason) "
                        + "(report it by \(UKTime.deadline(refusal.deadlineAt)))"))
            next.refusalID = max(next.refusalID, refusal.id ?? 0)
        }
        if next.rejectionEventID == nil { next.rejectionEventID = facts.latestEventID }
        for movement in facts.newRejections {
            events.append(
                AlertEvent(
                    kind: .rejected, subject: "Defra refused \(OfficePage.name(movement))",
                    line: "\(OfficePage.name(movement)): \(movement.lastError ?? "refused") "
                        + "(report it by \(UKTime.deadline(movement.deadlineAt)))"))
            next.rejectedID = max(next.rejectedID, movement.id ?? 0)
        }
        if let seen = facts.rejectionEventsSeenUpTo { next.rejectionEventID = max(next.rejectionEventID ?? 0, seen) }
        let pending = Set(facts.nearDeadline.compactMap(\.id))
        for movement in facts.nearDeadline where !next.deadlineIDs.contains(movement.id ?? 0) {
            events.append(
                AlertEvent(
                    kind: .deadline,
                    subject: "\(OfficePage.name(movement)) is not reported and its deadline is "
                        + UKTime.deadline(movement.deadlineAt),
                    line: "\(OfficePage.name(movement)): \(OfficePage.stateText(movement)), deadline "
                        + "\(UKTime.deadline(movement.deadlineAt))"
                        + (movement.lastError.map { ", last try: \($0)" } ?? "")))
            next.deadlineIDs.append(movement.id ?? 0)
        }
        next.deadlineIDs.removeAll { !pending.contains($0) }
        for code in facts.unpaidAPICodes.sorted() where !next.unpaidAPICodes.contains(code) {
            events.append(
                AlertEvent(
                    kind: .payment, subject: "Defra's service charge is unpaid: loads are held",
                    line: "apiCode \(code): the service answers 402 (payment required). Pay the charge on the DWT "
                        + "website; held loads are sent by themselves once it is paid."))
        }
        next.unpaidAPICodes = facts.unpaidAPICodes.sorted()
        for (code, expiry) in facts.chargeExpiry.sorted(by: { $0.key < $1.key }) {
            guard let at = ISO8601.parse(expiry), at - now < 30 * 86_400, next.chargeExpiryTold[code] != expiry
            else { continue }
            events.append(
                AlertEvent(
                    kind: .chargeExpiring, subject: "Defra's service charge expires on \(expiry.prefix(10))",
                    line: "apiCode \(code): the service charge expires on \(expiry.prefix(10)); renew it on the DWT "
                        + "website, or loads will be held from then."))
            next.chargeExpiryTold[code] = expiry
        }
        return (events, next)
    }
}
