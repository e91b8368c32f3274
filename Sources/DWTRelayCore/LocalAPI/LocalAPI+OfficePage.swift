import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The office page on the local API's server: `/` (a day's loads and the problems), `/movements/{id}`, and
/// the two actions an office may take, as form POSTs guarded by `OfficeActionGuard`.
extension LocalAPI {
    func addOfficeRoutes(to router: Router<LocalAPIContext>) {
        router.get("/") { request, _ in try self.officeToday(request) }
        router.get("/movements/:id") { _, context in try self.officeMovement(context.parameters.get("id") ?? "") }
        router.post("/office/:action") { request, context in
            try await self.officeAction(context.parameters.get("action") ?? "", request)
        }
        router.get("/login") { _, _ in
            Self.html(.ok, OfficePage.login(failed: false, tokenSource: self.signInTokenSource))
        }
        router.post("/login") { request, _ in try await self.officeLogin(request) }
    }

    /// The office page's own paths (a browser session may use them; the API's `/v1/` never).
    static func isOfficePath(_ path: String) -> Bool {
        path == "/" || path.hasPrefix("/movements/") || path.hasPrefix("/office/")
    }

    /// Where a person finds the token the sign-in form takes.
    var signInTokenSource: String {
        token != nil
            ? "from the file named by http.token_file on the dwt-relay PC"
            : "the office token: ask whoever installed dwt-relay, or read paths.results/\(WriterToken.fileName) "
                + "on the dwt-relay PC as a member of the dwt-relay-writers group"
    }

    /// Exchanges the token typed into the form (`http.token_file`'s, or else the writers' token) for a
    /// session cookie. Guessing is throttled for all requests together (`SignInThrottle`).
    func officeLogin(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let typed = Self.formFields(String(buffer: body))["token"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard signInThrottle.mayTry() else {
            return Self.html(
                .tooManyRequests, OfficePage.login(failed: false, tokenSource: signInTokenSource, throttled: true))
        }
        guard let expected = token ?? writerToken, let typed, OfficeActionGuard.sameText(typed, expected) else {
            signInThrottle.record(success: false)
            return Self.html(.unauthorized, OfficePage.login(failed: true, tokenSource: signInTokenSource))
        }
        signInThrottle.record(success: true)
        var headers: HTTPFields = [.location: "/"]
        headers[.setCookie] = OfficeSessions.cookie(officeSessions.open())
        return Response(status: .seeOther, headers: headers)
    }

    /// Whether this request may see parties, vehicles and Defra's messages and act: always behind
    /// `http.token_file` (the middleware let it through), else with a signed-in session.
    func officeDetailsAllowed(_ request: Request) -> Bool {
        token != nil || officeSessions.accepts(cookieHeader: request.headers[.cookie])
    }

    func officeToday(_ request: Request) throws -> Response {
        let now = Date().timeIntervalSince1970
        let asked = request.uri.queryParameters.get("date").flatMap { $0.isEmpty ? nil : String($0) }
        guard let day = asked.map({ UKTime.day(named: $0) }) ?? UKTime.day(containing: now) else {
            return Self.html(.badRequest, OfficePage.message("No such day: \(asked ?? ""). Use the form: YYYY-MM-DD."))
        }
        let detailed = officeDetailsAllowed(request)
        let view = try OfficeDay.build(
            store: store, config: config, day: day, now: now, daemonRunning: true, detailed: detailed)
        let notice = request.uri.queryParameters.get("done").flatMap(OfficeNotice.init(rawValue:))
        let signedIn = token != nil || detailed
        return Self.html(
            .ok,
            OfficePage.today(
                view, csrf: officeGuard.token, notice: notice?.text, signedIn: signedIn, detailed: detailed))
    }

    func officeMovement(_ text: String) throws -> Response {
        guard let id = Int64(text), let stored = try store.movement(id) else {
            return Self.html(.notFound, OfficePage.message("No load with number \(text)."))
        }
        let page = OfficePage.movement(
            stored, readable: try? store.decrypted(stored), events: try store.events(id), csrf: officeGuard.token)
        return Self.html(.ok, page)
    }

    func officeAction(_ action: String, _ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let form = Self.formFields(String(buffer: body))
        guard officeGuard.accepts(form["csrf"]) else {
            return Self.html(
                .forbidden, OfficePage.message("This page is out of date (dwt-relay restarted). Go back and reload it.")
            )
        }
        let handle = form["id"] ?? ""
        let back = "/?" + (form["date"].flatMap { UKTime.day(named: $0) }.map { "date=\($0.label)&" } ?? "")
        let now = Date().timeIntervalSince1970
        let notice: OfficeNotice
        switch action {
        case "retry":
            guard let id = Int64(handle) else { return Self.html(.badRequest, OfficePage.message("No load given.")) }
            let released = try store.release(ids: [id], byOperator: true, now: now)
            notice = released.isEmpty ? .notRetried : .retried
            if !released.isEmpty { onStored(.operatorRelease) }
        case "acknowledge":
            let refusal = Refusal.id(fromHandle: handle)
            let movement = refusal == nil ? Int64(handle) : nil
            guard refusal != nil || movement != nil else {
                return Self.html(.badRequest, OfficePage.message("No load given."))
            }
            let done = try store.acknowledge(
                movementIDs: movement.map { [$0] } ?? [], refusalIDs: refusal.map { [$0] } ?? [], all: false, now: now)
            notice = done.refused.isEmpty ? .acknowledged : .notAcknowledged
        case "logout":
            officeSessions.close(cookieHeader: request.headers[.cookie])
            var headers: HTTPFields = [.location: token == nil ? "/" : "/login"]
            headers[.setCookie] = OfficeSessions.clearingCookie
            return Response(status: .seeOther, headers: headers)
        default:
            return Self.html(.notFound, OfficePage.message("No such action."))
        }
        // Post/redirect/get: a reload does not repeat the action.
        return Response(status: .seeOther, headers: [.location: back + "done=" + notice.rawValue])
    }

    static func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: OfficeActionGuard.contentSecurityPolicy,
        ]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the forms, which the
        // browser guard refuses as an opaque origin.
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// `application/x-www-form-urlencoded` fields (the last of a repeated name wins).
    static func formFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}

/// What the page says after an action (a fixed set, so no text from the request is shown back).
enum OfficeNotice: String {
    case retried, notRetried = "not-retried", acknowledged, notAcknowledged = "not-acknowledged"

    var text: String {
        switch self {
        case .retried: "The load will be sent again now."
        case .notRetried: "That load is not held any more; nothing was changed."
        case .acknowledged: "Marked as dealt with."
        case .notAcknowledged: "That problem was already dealt with; nothing was changed."
        }
    }
}
