import Foundation

/// The office's page at `/`: server-rendered HTML with no external assets, usable with JavaScript off (a
/// small script only reloads it every minute), readable on a small screen and printable. Problems come
/// first, each with what to do and the action an office may take; then the day's loads.
public enum OfficePage {
    /// The whole today page. `csrf` goes into every action form (see `OfficeActionGuard`).
    /// `detailed` false: counts and states only (no parties, vehicles, Defra messages or actions), with a way
    /// to sign in; what anyone on the PC may see, as `/v1` shows them.
    public static func today(
        _ view: OfficeDay, csrf: String, notice: String? = nil, signedIn: Bool = false, detailed: Bool = true
    ) -> String {
        var body = header(view)
        if !detailed {
            body += "<p class=\"notice\" id=\"sign-in\">This page shows counts and states only. "
            body += "<a href=\"/login\">Sign in</a> to see each load's details and to act on problems.</p>\n"
        }
        if signedIn {
            body += "<form method=\"post\" action=\"/office/logout\" class=\"signout\">"
            body += "<input type=\"hidden\" name=\"csrf\" value=\"\(csrf.html)\">"
            body += "<button type=\"submit\">Sign out</button></form>\n"
        }
        if let notice { body += "<p class=\"notice\" role=\"status\">\(notice.html)</p>\n" }
        body += problemsSection(view, csrf: csrf, detailed: detailed)
        body += loadsSection(view, detailed: detailed)
        return document(title: "dwt-relay: loads of \(view.day.label)", body: body, refresh: true)
    }

    static func header(_ view: OfficeDay) -> String {
        let level = view.health.rawValue.lowercased()
        var html = """
            <header>
            <h1>Loads reported to Defra</h1>
            <p class="health \(level)" role="status" id="health"><strong>\(view.health.rawValue)</strong> \
            \(String(view.healthLine.drop { $0 != ":" }.dropFirst()).html)</p>

            """
        if !view.problemLines.isEmpty {
            html += "<ul class=\"reasons\">" + view.problemLines.map { "<li>\($0.html)</li>" }.joined() + "</ul>\n"
        }
        html += "<dl class=\"facts\">"
        html += view.facts.map { "<dt>\($0.label.html)</dt><dd>\($0.value.html)</dd>" }.joined() + "</dl>\n"
        if !view.sites.isEmpty {
            html += "<table id=\"sites\"><caption>Sites on this PC</caption><thead><tr><th scope=\"col\">Site</th>"
            html +=
                "<th scope=\"col\">Reported</th><th scope=\"col\">Waiting</th><th scope=\"col\">Refused by Defra</th>"
            html += "<th scope=\"col\">Held</th></tr></thead><tbody>"
            for site in view.sites {
                let waiting = (site.counts["queued"] ?? 0) + (site.counts["sending"] ?? 0)
                html += "<tr><td>\(site.name.html)</td><td>\(site.counts["accepted"] ?? 0)</td><td>\(waiting)</td>"
                html += "<td>\(site.counts["rejected"] ?? 0)</td><td>\(site.counts["held"] ?? 0)</td></tr>"
            }
            html += "</tbody></table>\n"
        }
        html += """
            <form method="get" action="/" class="day">
            <label for="date">Day</label> <input type="date" id="date" name="date" value="\(view.day.label)">
            <button type="submit">Show</button> <a href="/">Today</a>
            <span class="built">Updated \(UKTime.minute(view.builtAt).html)</span>
            </form>
            </header>

            """
        return html
    }

    static func loadsSection(_ view: OfficeDay, detailed: Bool) -> String {
        var html = "<section aria-labelledby=\"loads\">\n<h2 id=\"loads\">Loads received \(view.day.label.html) "
        html += "(\(view.loads.count))</h2>\n"
        guard !view.loads.isEmpty else { return html + "<p>No loads received this day.</p>\n</section>\n" }
        guard detailed else { return html + statesOnlyTable(view) }
        html += """
            <table id="loads-table">
            <thead><tr><th scope="col">Time</th><th scope="col">Ticket</th><th scope="col">Your reference</th>\
            <th scope="col">Vehicle</th><th scope="col">Carrier</th><th scope="col">EWC codes</th>\
            <th scope="col">Weight</th><th scope="col">State</th><th scope="col">Waste tracking ID</th></tr></thead>
            <tbody>

            """
        for load in view.loads {
            let movement = load.movement
            let sealed = load.summary == nil ? "<span class=\"sealed\">sealed</span>" : "-"
            html += "<tr class=\"state-\(movement.state.rawValue)\">"
            html += "<td>\(UKTime.clock(movement.receivedAt))</td>"
            html +=
                "<td><a href=\"/movements/\(movement.id ?? 0)\">\(movement.ticketName.html)</a></td>"
            html += "<td>\((movement.yourUniqueReference ?? "-").html)</td>"
            html += "<td>\(load.summary?.vehicleRegistration?.html ?? sealed)</td>"
            html += "<td>\(load.summary?.carrier?.html ?? sealed)</td>"
            html +=
                "<td>\(load.summary.map { $0.ewcCodes.isEmpty ? "-" : $0.ewcCodes.joined(separator: ", ").html } ?? sealed)</td>"
            html += "<td>\(load.summary?.weight?.html ?? sealed)</td>"
            html += "<td>\(stateText(movement).html)</td>"
            html += "<td class=\"wtid\">\((movement.wasteTrackingId ?? "-").html)</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    /// The day's loads for a viewer who is not signed in: time, ticket, reference, state and ID, as `/v1`'s
    /// list gives them to anyone on the PC.
    static func statesOnlyTable(_ view: OfficeDay) -> String {
        var html = """
            <table id="loads-table">
            <thead><tr><th scope="col">Time</th><th scope="col">Ticket</th><th scope="col">Your reference</th>\
            <th scope="col">State</th><th scope="col">Waste tracking ID</th></tr></thead>
            <tbody>

            """
        for load in view.loads {
            let movement = load.movement
            html += "<tr class=\"state-\(movement.state.rawValue)\"><td>\(UKTime.clock(movement.receivedAt))</td>"
            html += "<td>\(movement.ticketName.html)</td><td>\((movement.yourUniqueReference ?? "-").html)</td>"
            html += "<td>\(stateText(movement).html)</td>"
            html += "<td class=\"wtid\">\((movement.wasteTrackingId ?? "-").html)</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    /// A state as the office says it.
    public static func stateText(_ movement: Movement) -> String {
        switch movement.state {
        case .queued: return movement.attempts > 0 ? "waiting to retry" : "waiting to send"
        case .sending: return "sending"
        case .accepted: return movement.possibleDuplicate ? "reported (possible duplicate)" : "reported"
        case .rejected: return "refused by Defra"
        case .held: return "held: \(movement.holdReason?.rawValue ?? "unknown")"
        case .superseded: return "replaced by a correction"
        }
    }

    static func document(title: String, body: String, refresh: Bool) -> String {
        """
        <!doctype html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title.html)</title>
        <style>\(style)</style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        \(refresh ? reloadScript : "")
        </body>
        </html>

        """
    }

    /// Reloads every minute unless someone is using a form (typing a date, say).
    static let reloadScript = """
        <script>setInterval(function () { if (!document.querySelector("form:focus-within")) location.reload(); }, 60000);</script>
        """

    static let style = """
        body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;background:#fff;line-height:1.4}
        main{max-width:72rem;margin:0 auto;padding:0.75rem}
        h1{font-size:1.5rem;margin:0.25rem 0}h2{font-size:1.2rem;margin:1.25rem 0 0.5rem}
        .health{padding:0.5rem 0.75rem;border-left:0.5rem solid;font-size:1.1rem}
        .ok{border-color:#00703c;background:#e6f4ea}.warning{border-color:#b35c00;background:#fff4e0}
        .critical,.unknown{border-color:#d4351c;background:#fde8e6}
        .reasons{margin:0.25rem 0 0.5rem 1rem}.notice{background:#e8f1fb;padding:0.5rem}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:0.3rem 0.4rem;border-bottom:1px solid #b1b4b6;vertical-align:top}
        .problems li{margin:0 0 0.75rem 0;padding:0.5rem;border:1px solid #b1b4b6;border-left:0.35rem solid #d4351c;list-style:none}
        .problems ul{padding:0}.todo{margin:0.25rem 0}.wtid{font-family:monospace}.sealed{color:#505a5f}
        button{font-size:1rem;padding:0.3rem 0.8rem;cursor:pointer}
        a{color:#1d70b8}a:focus,button:focus,input:focus{outline:3px solid #fd0}
        .built{color:#505a5f;margin-left:1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1rem}dt{font-weight:bold}
        @media (max-width:40rem){table,thead,tbody,tr,td,th{display:block}thead{display:none}td{border:0;padding:0.1rem}tr{border-bottom:1px solid #b1b4b6;padding:0.3rem 0}}
        @media print{form,script,button,.built{display:none}a{color:#000;text-decoration:none}}
        """
}

extension OfficePage {
    /// The login form for a browser when a token guards the local API: the token is typed once and
    /// exchanged for a session cookie, never put in a URL.
    /// `tokenSource` says where the person finds the token: `http.token_file`, or the office token the
    /// daemon keeps for the writers' group.
    public static func login(failed: Bool, tokenSource: String, throttled: Bool = false) -> String {
        var body = "<h1>dwt-relay: sign in</h1>\n"
        if failed { body += "<p class=\"notice\" role=\"alert\">That is not the token. Try again.</p>\n" }
        if throttled {
            body += "<p class=\"notice\" role=\"alert\">Too many wrong tokens just now: wait a minute, then try "
            body += "again.</p>\n"
        }
        body += """
            <form method="post" action="/login">
            <p><label for="token">Access token (\(tokenSource.html))</label></p>
            <p><input type="password" id="token" name="token" autocomplete="current-password" required size="40">
            <button type="submit">Sign in</button></p>
            </form>
            """
        return document(title: "dwt-relay: sign in", body: body, refresh: false)
    }

    /// A short page with one message and a way back.
    public static func message(_ text: String) -> String {
        document(
            title: "dwt-relay", body: "<p>\(text.html)</p>\n<p><a href=\"/\">Back to today</a></p>", refresh: false)
    }
}
