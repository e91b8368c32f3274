import DWTRelayTestSupport
import Foundation

@testable import DWTRelayCore

/// The model test's transport and token endpoint: answers the real worker's requests from `ServiceModel`,
/// with the history's faults until it heals, its unpaid charge, refused credentials and revoked tokens.
///
/// Like `ModelWorld`, used by one task at a time (`@unchecked Sendable`); time is the model's clock.
final class ModelService: ReceiptSending, TokenSource, @unchecked Sendable {
    let history: SenderHistory
    let clock: TestClock
    var random: SeededRandom
    var model = ServiceModel()
    /// The token the endpoint last issued, and when (the worker's cache is the real one's job: this one
    /// issues a fresh token whenever asked, as the endpoint does).
    private var issued: [String: Double] = [:]
    private var cached: (value: String, refreshAt: Double)?
    private(set) var refreshCount = 0
    var expiresAt: Double? { cached.map { 1_790_000_000 + $0.refreshAt } }
    /// A token's lifetime, in seconds (the worker refreshes it ahead of expiry).
    static let tokenLifetime = 300.0

    init(history: SenderHistory, clock: TestClock) {
        self.history = history
        self.clock = clock
        random = SeededRandom(seed: history.seed ^ 0x5E41_CE)
    }

    var tick: Double { clock.seconds }
    var tokens: ModelService { self }

    // MARK: the token endpoint, and the cache in front of it

    /// The cache keeps a token until a tenth of its lifetime before expiry, as `TokenProvider` does (so a
    /// cached token outlives a revocation of the credentials); the endpoint refuses while the credentials
    /// are refused.
    func token() throws(TokenProvider.Failure) -> String {
        if let cached, tick < cached.refreshAt { return cached.value }
        if history.credentialsRefused?.contains(tick) ?? false {
            throw .refused(status: 401, detail: "invalid_client")
        }
        refreshCount += 1
        let value = "token-\(refreshCount)"
        issued[value] = tick
        cached = (value, tick + Self.tokenLifetime * 0.9)
        return value
    }

    func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }

    /// Whether the API takes `token` now: issued by the endpoint, not expired, not revoked since, and the
    /// credentials it was issued for not refused now.
    func accepts(_ token: String) -> Bool {
        guard let at = issued[token], tick < at + Self.tokenLifetime,
            !(history.credentialsRefused?.contains(tick) ?? false)
        else { return false }
        return !history.tokenRevocations.contains { at < $0 && $0 <= tick }
    }

    // MARK: the Receipt API

    /// The request reaches the service now (or not). The answer's latency is the world's.
    func send(payload: Data, target: String?, token: String) throws(ReceiptClient.SendFailure) -> ReceiptResponse {
        guard accepts(token) else { return Self.answer(401, ["message": "Unauthorized"]) }
        model.requests += 1
        let body = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] ?? [:]
        let reference = body["yourUniqueReference"] as? String ?? "?"
        let version = body["version"] as? Int ?? 0
        let invalid = body["invalid"] as? Bool ?? false
        func store() -> String? {
            guard !invalid else { return nil }
            if let target { return model.put(id: target, reference: reference, version: version) ? target : nil }
            return model.post(reference: reference, version: version)
        }
        if tick < history.healAt && random.chance(history.faultRate) {
            switch random.pick(ServiceFault.allCases) {
            case .throttled:
                let text = random.pick(history.retryAfterTexts)
                return Self.answer(
                    429, ["message": "Too Many Requests"], retryAfter: ReceiptResponse.parseRetryAfter(text))
            case .storedThen500:
                _ = store()
                return Self.answer(500, ["message": "An internal server error occurred"])
            case .badGateway502:
                if random.chance(0.5) { _ = store() }
                return Self.answer(502)
            case .unavailable503: return Self.answer(503)
            case .timeout408: return Self.answer(408)
            case .lostBeforeStoring: throw .transport("connection reset", inDoubt: true)
            case .lostAfterStoring:
                _ = store()
                throw .transport("read timed out", inDoubt: true)
            case .portalPage:
                return ReceiptResponse(
                    status: 200, body: Data("<html>Sign in</html>".utf8), serviceChargeExpiry: nil, retryAfter: nil)
            case .emptyCreated:
                // To a PUT, `{}` is what the service itself answers: something else answering it cannot be
                // told apart (a documented limit), so the model sends it to POSTs only.
                return target == nil ? Self.answer(201) : Self.answer(503)
            }
        }
        if invalid {
            return Self.answer(
                400, ["validation": ["errors": [["key": "x", "errorType": "InvalidValue", "message": "m"]]]])
        }
        if history.unpaid?.contains(tick) ?? false { return Self.answer(402, ["message": "Payment Required"]) }
        guard let id = store() else { return Self.answer(404, ["message": "Not Found"]) }
        return target == nil ? Self.answer(201, ["wasteTrackingId": id]) : Self.answer(200)
    }

    static func answer(_ status: Int, _ object: Any = [String: Any](), retryAfter: Double? = nil) -> ReceiptResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return ReceiptResponse(status: status, body: data, serviceChargeExpiry: nil, retryAfter: retryAfter)
    }
}
