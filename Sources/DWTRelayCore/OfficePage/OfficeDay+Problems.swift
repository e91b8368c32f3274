import Foundation

/// One thing the office should look at, in words: the same for the page and for `dwt-relay today`.
public struct OfficeProblemItem: Sendable {
    public struct Action: Sendable {
        /// `retry` or `acknowledge`: the page's form and the command (`dwt-relay retry` / `ack`).
        public var kind: String
        /// The movement ID, or `F<id>` for a refused file.
        public var handle: String
        public var label: String
    }

    public var title: String
    public var detail: String
    public var todo: String
    public var action: Action?
    public var movementID: Int64?
}

extension OfficeDay {
    /// Refused files, loads Defra refused, held loads, deadlines near or past, possible duplicates.
    public var problemItems: [OfficeProblemItem] {
        var items: [OfficeProblemItem] = []
        let dealtWith = "Dealt with another way"
        for refusal in problems.refusals {
            items.append(
                OfficeProblemItem(
                    title: refusal.what.prefix(1).uppercased() + refusal.what.dropFirst() + " could not be read",
                    // A CSV row's reason names its row and column already.
                    detail: (refusal.csvRow == nil ? refusal.field.map { "\($0): " } ?? "" : "") + refusal.reason,
                    todo: (refusal.csvRow == nil
                        ? "Correct the ticket in the weighbridge software and save it again with the same file name: "
                            + "the new file replaces this one."
                        : "Correct the row (its file in the refused folder holds just the refused rows) and drop the "
                            + "file into the inbox again.") + " Report it by \(UKTime.deadline(refusal.deadlineAt)).",
                    action: .init(kind: "acknowledge", handle: refusal.handle, label: dealtWith)))
        }
        for movement in problems.rejected {
            items.append(
                OfficeProblemItem(
                    title: "Defra refused \(OfficePage.name(movement))", detail: OfficePage.errorText(movement),
                    todo: "Correct the ticket and send it again with the same reference (or file name). Report it by "
                        + "\(UKTime.deadline(movement.deadlineAt)).",
                    action: .init(kind: "acknowledge", handle: "\(movement.id ?? 0)", label: dealtWith),
                    movementID: movement.id))
        }
        for movement in problems.held {
            items.append(
                OfficeProblemItem(
                    title: "\(OfficePage.name(movement)) is held: not being sent", detail: movement.lastError ?? "",
                    todo: OfficePage.holdAdvice(movement.holdReason),
                    action: .init(kind: "retry", handle: "\(movement.id ?? 0)", label: "Send again now"),
                    movementID: movement.id))
        }
        let held = Set(problems.held.compactMap(\.id))
        for movement in problems.nearDeadline where !held.contains(movement.id ?? 0) {
            let overdue = (movement.deadlineAt ?? .infinity) < builtAt
            items.append(
                OfficeProblemItem(
                    title: "\(OfficePage.name(movement)) is \(overdue ? "past" : "near") its deadline, "
                        + UKTime.deadline(movement.deadlineAt),
                    detail: movement.lastError.map { "Last try: \($0)" } ?? "Not sent yet.",
                    todo: "dwt-relay keeps trying. If Defra cannot be reached, check this PC's internet connection.",
                    movementID: movement.id))
        }
        for movement in problems.possibleDuplicates {
            items.append(
                OfficeProblemItem(
                    title: "\(OfficePage.name(movement)) may be recorded twice at Defra",
                    detail: "An answer was lost and the load was sent again, marked as a possible duplicate.",
                    todo: "Check the load on Defra's service; remove the extra record there if there is one.",
                    movementID: movement.id))
        }
        return items
    }
}
