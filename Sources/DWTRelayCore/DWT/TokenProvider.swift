import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// OAuth2 client-credentials tokens for the DWT API.
///
/// Caches the token and refreshes it ahead of expiry using the `expires_in` the server sent (the lifetime
/// is not documented, so it is never assumed). However many senders ask at once, one refresh is in flight.
public actor TokenProvider {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// The token endpoint refused the credentials (400 invalid_client, 401): sending must stop.
        case refused(status: Int, detail: String)
        /// The token endpoint could not be reached or failed (5xx, network): back off like any transient error.
        case unavailable(String)
        /// A success status without a token (an HTML page from a proxy or a wrong `api.token_url`): a
        /// configuration to fix, like refused credentials, not an outage to wait out.
        case notAToken(String)

        public var description: String {
            switch self {
            case .refused(let status, let detail): return "token endpoint refused the credentials (\(status) \(detail))"
            case .unavailable(let detail): return "token endpoint unavailable: \(detail)"
            case .notAToken(let what):
                return "the token endpoint answered \(what), not a token: check api.token_url (is a proxy's sign-in "
                    + "page answering instead?)"
            }
        }
    }

    private struct CachedToken {
        var value: String
        /// Wall time, for `status` to show.
        var expiresAt: Double
        /// On the injected clock (`elapsed`): a wall-clock step neither keeps a token past its lifetime nor
        /// throws a fresh one away.
        var refreshAt: Double
    }

    private let httpClient: HTTPClient
    private let tokenURL: String
    private let clientID: String
    private let clientSecret: String
    private let timeout: TimeAmount
    private let logger: Logger
    private let elapsed: ElapsedSeconds
    private var cached: CachedToken?
    /// The refresh in flight: every sender that needs a token meanwhile awaits this one request.
    private var refreshing: Task<Result<String, Failure>, Never>?
    public private(set) var refreshCount = 0

    public init(
        httpClient: HTTPClient, tokenURL: String, clientID: String, clientSecret: String, timeoutSeconds: Double,
        logger: Logger, clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.elapsed = ElapsedSeconds(clock)
        self.httpClient = httpClient
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.timeout = .milliseconds(Int64(timeoutSeconds * 1000))
        self.logger = logger
    }

    /// Expiry of the cached token (seconds since 1970), if any.
    public var expiresAt: Double? { cached?.expiresAt }

    /// A valid token, refreshing first if the cached one is due.
    public func token() async throws(Failure) -> String {
        if let cached, elapsed() < cached.refreshAt { return cached.value }
        return try await refresh()
    }

    /// Forgets a token the API answered 401 to, so that the next `token()` fetches a fresh one.
    public func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }

    private func refresh() async throws(Failure) -> String {
        if let refreshing { return try await refreshing.value.get() }
        let fetching = Task { await self.fetch() }
        refreshing = fetching
        // The fetch is a task of its own (every sender that needs a token meanwhile awaits it), so a stop's
        // cancellation is handed on: a token endpoint that does not answer must not hold the stop.
        let result = await withTaskCancellationHandler {
            await fetching.value
        } onCancel: {
            fetching.cancel()
        }
        refreshing = nil
        return try result.get()
    }

    private func fetch() async -> Result<String, Failure> {
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        let basic = Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(basic)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
        let started = elapsed()
        let startedWall = Date().timeIntervalSince1970
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
            if status == 200, let token = json?["access_token"] as? String, !token.isEmpty {
                let lifetime = (json?["expires_in"] as? NSNumber)?.doubleValue ?? 60
                // Refresh ahead of expiry: a tenth of the lifetime, at most five minutes early.
                let margin = min(300, lifetime * 0.1)
                cached = CachedToken(
                    value: token, expiresAt: startedWall + lifetime, refreshAt: started + lifetime - margin)
                refreshCount += 1
                logger.debug("token refreshed", metadata: ["token.expires_in": "\(lifetime)"])
                return .success(token)
            }
            if (200..<300).contains(status) {
                let type = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
                let what =
                    type.contains("html")
                    ? "HTML"
                    : json == nil
                        ? "\(status) with a body that is not JSON"
                        : "\(status) with JSON that has no access_token"
                return .failure(.notAToken(what))
            }
            let detail = (json?["error"] as? String) ?? HTTPResponseStatus(statusCode: status).reasonPhrase
            if status == 400 || status == 401 {
                return .failure(.refused(status: status, detail: detail))
            }
            return .failure(.unavailable("HTTP \(status) \(detail)"))
        } catch {
            return .failure(.unavailable(TransportErrors.describe(error)))
        }
    }
}
