import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The loopback HTTP API: submit and inspect movements, status, health and Prometheus metrics.
///
/// Listens on `http.listen` (loopback by default). A non-loopback address is refused unless
/// `http.allow_remote` is true and a bearer token is configured (`http.token_file`).
public struct LocalAPI: Sendable {
    let config: RelayConfig
    let store: MovementStore
    /// The first site's intake with the current reference lists (a refresh reaches the next request).
    var intake: MovementIntake { intakes.intake() }
    let intakes: IntakeFactory
    let metrics: RelayMetrics
    /// Required for every request (`http.token_file`).
    let token: String?
    /// The shortest `http.token_file` token accepted (128 bits as hex).
    static let minimumTokenLength = 32
    /// Required for writes and movement details when there is no `token` (see `WriterToken`).
    let writerToken: String?
    /// Wakes the sender: new work stored, or an operator released held movements.
    let onStored: @Sendable (WakeReason) -> Void
    let logger: Logger
    /// The token of the office page's action forms.
    let officeGuard = OfficeActionGuard()
    /// Browser sessions for the office page when `http.token_file` guards the API.
    let officeSessions = OfficeSessions()
    let signInThrottle = SignInThrottle()

    public init(
        config: RelayConfig, store: MovementStore, metrics: RelayMetrics, logger: Logger,
        intakes: IntakeFactory? = nil, onStored: @escaping @Sendable (WakeReason) -> Void
    ) throws {
        self.config = config
        self.store = store
        self.intakes = intakes ?? IntakeFactory(config: config, store: store)
        self.metrics = metrics
        self.logger = logger
        self.onStored = onStored
        if let file = config.httpTokenFile {
            var info = stat()
            guard stat(file, &info) == 0, let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError(key: "http.token_file", "cannot read \(file)")
            }
            guard info.st_mode & 0o004 == 0 else {
                throw ConfigError(key: "http.token_file", "\(file) is readable by every user; run: chmod 600 \(file)")
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else {
                throw ConfigError(key: "http.token_file", "\(file) is empty: put a long random token in it")
            }
            // A token anyone can guess guards nothing: a 2-character one was accepted.
            guard text.count >= Self.minimumTokenLength else {
                throw ConfigError(
                    key: "http.token_file",
                    "\(file) holds a token of \(text.count) characters; use at least \(Self.minimumTokenLength), "
                        + "e.g. openssl rand -hex 32 > \(file)")
            }
            token = text
            writerToken = nil
        } else {
            token = nil
            writerToken = try WriterToken.ensure(at: WriterToken.path(config: config))
        }
    }

    /// Host and port from `http.listen`, refusing remote addresses unless explicitly allowed.
    public static func address(_ listen: String, config: RelayConfig) throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ConfigError(key: "http.listen", "expected HOST:PORT, got \"\(listen)\"")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        if !loopback && !(config.httpAllowRemote && config.httpTokenFile != nil) {
            throw ConfigError(
                key: "http.listen",
                "\(host) is not a loopback address; set http.allow_remote: true and http.token_file to expose the API")
        }
        return (host, port)
    }

    public func makeApplication(onReady: @escaping @Sendable (Int) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        let (host, port) = try Self.address(config.httpListen ?? "127.0.0.1:8787", config: config)
        var serverLogger = logger
        serverLogger.logLevel = .warning
        return Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "dwt-relay"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? port) },
            logger: serverLogger)
    }

    func makeRouter() -> Router<LocalAPIContext> {
        let router = Router(context: LocalAPIContext.self)
        router.addMiddleware { BrowserGuardMiddleware(tokenRequired: token != nil) }
        router.addMiddleware {
            BearerTokenMiddleware(token: token, writerToken: writerToken, sessions: officeSessions)
        }
        router.post("/v1/movements") { request, _ in try await self.submit(request) }
        router.get("/v1/movements") { request, _ in try self.list(request) }
        router.get("/v1/movements/:id") { _, context in try self.show(context.parameters.get("id") ?? "") }
        router.get("/v1/status") { _, _ in
            let report = try self.report()
            return Self.json(.ok, encoding: report.output)
        }
        // Liveness only: the process answers and can read its store. Business health (an unpaid charge,
        // overdue loads) is `/v1/status`; a restart would not mend it, so a probe here must not see it.
        router.get("/healthz") { _, _ in
            do {
                _ = try self.store.statusFacts(deadlineWarningSeconds: self.config.deadlineWarningSeconds)
                return Self.json(.ok, encoding: Liveness(alive: true))
            } catch {
                return Self.json(
                    .serviceUnavailable, encoding: Liveness(alive: false, error: "store unreadable: \(error)"))
            }
        }
        addOfficeRoutes(to: router)
        router.get("/metrics") { _, _ in
            let now = Date().timeIntervalSince1970
            let facts = try? self.store.statusFacts(deadlineWarningSeconds: self.config.deadlineWarningSeconds)
            let report = facts.map {
                StatusReport.build(
                    facts: $0, config: self.config, daemonRunning: true, now: now,
                    inbox: InboxSnapshot.read(config: self.config))
            }
            let namesSites = self.config.configuredSites != nil
            let siteFacts =
                namesSites
                ? try? self.store.siteFacts(now: now, deadlineWarningSeconds: self.config.deadlineWarningSeconds)
                : nil
            let text = self.metrics.render(
                facts: facts, report: report, sites: self.config.sites, namesSites: namesSites,
                siteFacts: siteFacts, now: now)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    func report() throws -> StatusReport {
        let facts = try store.statusFacts(deadlineWarningSeconds: config.deadlineWarningSeconds)
        return StatusReport.build(
            facts: facts, config: config, daemonRunning: true, now: Date().timeIntervalSince1970,
            inbox: InboxSnapshot.read(config: config))
    }

    /// An output model as the response body.
    static func json(_ status: HTTPResponse.Status, encoding value: some Encodable) -> Response {
        var data = JSONText.data(value)
        data.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data))
        )
    }

    func submit(_ request: Request) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: config.maxFileBytes)
        } catch {
            return Self.json(
                .contentTooLarge,
                encoding: ErrorBody("body over the \(config.maxFileBytes)-byte limit (intake.max_file_bytes)"))
        }
        let item: IntakeItem
        do {
            item = try intake.check(Data(buffer: body), source: .api, sourceFile: nil)
        } catch {
            return Self.json(.badRequest, encoding: ErrorBody.refusal(error.reason, field: error.field))
        }
        let result = try await store.ingestSuspending([item])[0]
        if case .stored = result { onStored(.newWork) }
        return Self.json(.accepted, encoding: StoredMovement(result))
    }

    func list(_ request: Request) throws -> Response {
        var state: MovementState? = nil
        if let text = request.uri.queryParameters.get("state") {
            guard let parsed = MovementState(rawValue: text) else {
                return Self.json(.badRequest, encoding: ErrorBody("unknown state \"\(text)\""))
            }
            state = parsed
        }
        let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 1000
        return Self.json(
            .ok, encoding: try store.list(state: state, limit: min(max(limit, 1), 10_000)).map(MovementSummary.init))
    }

    func show(_ text: String) throws -> Response {
        guard let id = Int64(text), let detail = try store.detail(id) else {
            return Self.json(.notFound, encoding: ErrorBody("no movement with id \(text)"))
        }
        return Self.json(.ok, encoding: detail.apiBody)
    }
}

/// Requires `Authorization: Bearer <token>`: for every request when `http.token_file` is set; otherwise
/// for writes and movement details, with the local writers' token (`WriterToken`).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = LocalAPIContext
    let token: String?
    var writerToken: String? = nil
    var sessions: OfficeSessions? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is compared exactly.
        let presented = Self.presentedToken(request.headers[.authorization])
        if let token, presented != token {
            // The office page in a browser: its session cookie, or the login form (the API stays bearer-only).
            let path = request.uri.path
            if path == "/login" { return try await next(request, context) }
            if LocalAPI.isOfficePath(path) {
                if sessions?.accepts(cookieHeader: request.headers[.cookie]) == true {
                    return try await next(request, context)
                }
                if request.method == .get { return Response(status: .seeOther, headers: [.location: "/login"]) }
            }
            return LocalAPI.json(.unauthorized, encoding: ErrorBody("missing or wrong bearer token"))
        }
        // Without http.token_file, the office page's details and actions need what /v1 needs for the same:
        // a signed-in session (the writers' token typed once into the sign-in form). Any local user may open
        // the page, which then shows counts and states only.
        if token == nil, Self.needsOfficeSession(method: request.method, path: request.uri.path),
            sessions?.accepts(cookieHeader: request.headers[.cookie]) != true
        {
            if request.method == .get || request.method == .head {
                return Response(status: .seeOther, headers: [.location: "/login"])
            }
            return LocalAPI.html(
                .unauthorized, OfficePage.message("Sign in first: this action needs the office token."))
        }
        if token == nil, let writerToken, Self.needsWriter(method: request.method, path: request.uri.path),
            presented != writerToken
        {
            return LocalAPI.json(
                .unauthorized,
                encoding: ErrorBody(
                    "filing a movement or reading its details needs Authorization: Bearer <token>, the token in "
                        + "paths.results/\(WriterToken.fileName) (readable by the dwt-relay-writers group)"))
        }
        return try await next(request, context)
    }

    /// The office page's movement details and its actions (signing out needs nothing).
    static func needsOfficeSession(method: HTTPRequest.Method, path: String) -> Bool {
        if path.hasPrefix("/movements/") { return true }
        return method == .post && path.hasPrefix("/office/") && path != "/office/logout"
    }

    /// Writes, and reads of one movement (its payload summary, errors and history). The office page's actions
    /// carry their own token instead (`OfficeActionGuard`): a browser cannot present the writers' token.
    static func needsWriter(method: HTTPRequest.Method, path: String) -> Bool {
        if method == .post && (path.hasPrefix("/office/") || path == "/login") { return false }
        if method != .get && method != .head { return true }
        let parts = path.split(separator: "/")
        return parts.count >= 3 && parts[0] == "v1" && parts[1] == "movements"
    }
}

extension BearerTokenMiddleware {
    static func presentedToken(_ header: String?) -> String? {
        guard let header, let space = header.firstIndex(of: " ") else { return nil }
        guard header[..<space].lowercased() == "bearer" else { return nil }
        return header[header.index(after: space)...].trimmingCharacters(in: .whitespaces)
    }
}
