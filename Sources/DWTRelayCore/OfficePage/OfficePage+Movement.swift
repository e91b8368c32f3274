import Foundation

extension OfficePage {
    /// One load's page: what it is, what Defra answered, and its history (the same facts as `dwt-relay show`).
    /// `readable` is the movement with its sealed parts opened, nil when this process has no storage key.
    public static func movement(
        _ stored: Movement, readable: Movement?, events: [MovementEvent], csrf: String
    ) -> String {
        let summary = readable.flatMap { LoadSummary(payload: $0.payload) }
        let day = UKTime.day(containing: stored.receivedAt)
        var rows: [(String, String)] = [
            ("State", stateText(stored)), ("Ticket file", stored.ticketName),
            ("Your reference", stored.yourUniqueReference ?? "-"), ("Waste tracking ID", stored.wasteTrackingId ?? "-"),
            ("Received", UKTime.minute(stored.receivedAt)), ("Report by", UKTime.deadline(stored.deadlineAt)),
            ("Reported", UKTime.minute(stored.acceptedAt)), ("Tries", "\(stored.attempts)"),
        ]
        if let summary {
            rows += [
                ("Vehicle", summary.vehicleRegistration ?? "-"), ("Carrier", summary.carrier ?? "-"),
                ("EWC codes", summary.ewcCodes.isEmpty ? "-" : summary.ewcCodes.joined(separator: ", ")),
                ("Weight", summary.weight ?? "-"),
            ]
        } else {
            rows.append(("Details", "sealed: this process cannot read the storage key"))
        }
        if stored.possibleDuplicate { rows.append(("Possible duplicate", "yes: check it on Defra's service")) }
        if let lastError = stored.lastError, stored.state != .accepted { rows.append(("Last error", lastError)) }
        var body = "<p><a href=\"/?date=\(day.label)\">Back to \(day.label)</a></p>\n"
        body += "<h1>Load \(stored.id ?? 0): \(name(stored).html)</h1>\n<dl id=\"movement\">\n"
        body += rows.map { "<dt>\($0.0.html)</dt><dd>\($0.1.html)</dd>" }.joined(separator: "\n") + "\n</dl>\n"
        if let readable {
            let result = MovementResult(readable)
            body += issues("Defra's errors", result.errors)
            body += issues("Defra's warnings", result.warnings)
        }
        if stored.state == .held {
            body += "<p>\(holdAdvice(stored.holdReason).html)</p>"
            body += form("retry", handle: "\(stored.id ?? 0)", label: "Send again now", csrf: csrf, day: day)
        }
        body += "<h2>History</h2>\n<table id=\"history\"><thead><tr><th scope=\"col\">When</th>"
        body += "<th scope=\"col\">What</th></tr></thead><tbody>\n"
        for event in events {
            body += "<tr><td>\(UKTime.minute(event.at).html)</td><td>\(eventText(event).html)</td></tr>\n"
        }
        body += "</tbody></table>\n"
        return document(title: "dwt-relay: load \(stored.id ?? 0)", body: body, refresh: false)
    }

    static func issues(_ title: String, _ value: JSONValue) -> String {
        let list = value.serviceIssues
        guard !list.isEmpty else { return "" }
        let items = list.map { issue in
            "<li>\((issue.message + (issue.key.map { " (\($0))" } ?? "")).html)</li>"
        }
        return "<h2>\(title.html)</h2>\n<ul>" + items.joined() + "</ul>\n"
    }

    static func eventText(_ event: MovementEvent) -> String {
        switch event.kind {
        case .state:
            return "\(event.fromState?.rawValue ?? "new") → \(event.toState?.rawValue ?? "?")"
                + (event.message.map { ": \($0)" } ?? "")
        case .http:
            return [event.method?.rawValue, event.path, event.status.map(String.init)].compactMap { $0 }
                .joined(separator: " ")
                + (event.message.map { ": \($0)" } ?? "")
        case .note:
            return event.message ?? ""
        }
    }
}
