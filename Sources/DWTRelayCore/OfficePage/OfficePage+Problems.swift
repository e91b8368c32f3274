import Foundation

extension OfficePage {
    /// "Needs attention": each problem with what to do and the action an office may take.
    static func problemsSection(_ view: OfficeDay, csrf: String, detailed: Bool) -> String {
        let items = view.problemItems
        var html =
            "<section aria-labelledby=\"problems\" class=\"problems\">\n<h2 id=\"problems\">Needs attention</h2>\n"
        guard !items.isEmpty else { return html + "<p>Nothing needs attention.</p>\n</section>\n" }
        html += "<ul id=\"problem-list\">\n"
        for problem in items {
            html += "<li><strong>\(problem.title.html)</strong>"
            guard detailed else {
                html += "<p class=\"todo\"><a href=\"/login\">Sign in</a> to see what is wrong and act.</p></li>\n"
                continue
            }
            if let link = problem.movementID { html += " <a href=\"/movements/\(link)\">details</a>" }
            if !problem.detail.isEmpty { html += "<div class=\"detail\">\(problem.detail.html)</div>" }
            html += "<p class=\"todo\">\(problem.todo.html)</p>"
            if let action = problem.action {
                html += form(action.kind, handle: action.handle, label: action.label, csrf: csrf, day: view.day)
            }
            html += "</li>\n"
        }
        return html + "</ul>\n</section>\n"
    }

    static func name(_ movement: Movement) -> String {
        let ticket = movement.sourceFile.map(CSVRowPointer.display) ?? "load \(movement.id ?? 0)"
        return movement.yourUniqueReference.map { "\(ticket) (\($0))" } ?? ticket
    }

    /// The service's own messages when this process can read them; else the field and error type.
    static func errorText(_ movement: Movement) -> String {
        let errors = JSONValue(storedArray: movement.errors).serviceIssues
        if !errors.isEmpty {
            return errors.prefix(5).map { error in error.key.map { "\(error.message) (\($0))" } ?? error.message }
                .joined(separator: "; ")
        }
        return movement.lastError ?? ""
    }

    static func holdAdvice(_ reason: HoldReason?) -> String {
        switch reason {
        case .payment:
            return "Defra's service charge is unpaid. Once it is paid, dwt-relay sends the held loads by itself."
        case .auth:
            return "Defra refuses this site's credentials. Ask whoever installed dwt-relay to check the client ID "
                + "and secret; held loads are sent once they work."
        case .forbidden:
            return "Defra refuses this site's API code or permissions. Once whoever installed dwt-relay has fixed "
                + "them, send it again."
        case .inDoubt:
            return "Defra may already have this load. Check on Defra's service; if it is not there, send it again "
                + "(it is marked as a possible duplicate)."
        case .unexpectedStatus, nil:
            return "Defra gave an answer dwt-relay has no rule for. Look at its history, then send it again."
        }
    }

    /// A POST form for one action, with the CSRF token and the day to come back to.
    static func form(_ action: String, handle: String, label: String, csrf: String, day: UKTime.Day) -> String {
        """
        <form method="post" action="/office/\(action)"><input type="hidden" name="csrf" value="\(csrf.html)">\
        <input type="hidden" name="id" value="\(handle.html)"><input type="hidden" name="date" value="\(day.label.html)">\
        <button type="submit">\(label.html)</button></form>
        """
    }
}
