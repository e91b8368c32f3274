import HTTPTypes

/// What one answer means: the single place an HTTP status, a lost connection or a refused token becomes an
/// outcome for the movement and a change of the sender's state.
extension SenderState {
    /// How one attempt ended.
    public enum Answer: Sendable {
        /// The service (or something in front of it) answered.
        case response(ReceiptResponse)
        /// No answer: the connection failed or timed out. `mayHaveArrived` when the request was sent.
        case lost(detail: String, mayHaveArrived: Bool)
        /// The token endpoint refused the credentials, so nothing was sent.
        case credentialsRefused(detail: String)
        /// No token could be had (the token endpoint failed), so nothing was sent.
        case tokenUnavailable(detail: String)
    }

    /// The attempt an answer belongs to.
    public struct Attempt: Sendable {
        public var method: HTTPRequest.Method
        /// Attempts so far, this one included (the backoff grows with it).
        public var attempts: Int
        public var apiCode: String?
        /// The ID a PUT was sent to.
        public var targetWasteTrackingId: String?

        public init(method: HTTPRequest.Method, attempts: Int, apiCode: String?, targetWasteTrackingId: String?) {
            self.method = method
            self.attempts = attempts
            self.apiCode = apiCode
            self.targetWasteTrackingId = targetWasteTrackingId
        }

        public init(_ delivery: Delivery) {
            self.init(
                method: delivery.targetWasteTrackingId == nil ? .post : .put, attempts: delivery.movement.attempts,
                apiCode: delivery.movement.apiCode, targetWasteTrackingId: delivery.targetWasteTrackingId)
        }
    }

    /// Answers to a POST after which the movement may be stored at the service: a 500 can follow a stored
    /// movement (the warnings step fails after storing), and a gateway's 502/504 may hide an answer the
    /// service gave. 503 and 429 are refusals before any work, and a PUT is idempotent.
    static let inDoubtStatuses: Set<Int> = [500, 502, 504]

    /// An attempt ended. `jitter` is a uniform draw in 0...1 for the backoff.
    public mutating func answered(_ answer: Answer, to attempt: Attempt, at tick: Double, wall: Double, jitter: Double)
        -> Decision
    {
        requestEnded()
        switch answer {
        case .credentialsRefused(let detail):
            return Decision(
                outcome: .held(reason: .auth, inDoubt: false), error: "credentials refused: \(detail)",
                actions: credentialsRefused(detail, at: tick))
        case .tokenUnavailable(let detail):
            let actions = transientFailure(retryAfter: nil, throttled: false, at: tick, wall: wall, jitter: jitter)
            return Decision(
                outcome: retry(attempt, inDoubt: false, retryAfter: nil, wall: wall, jitter: jitter), error: detail,
                actions: actions)
        case .lost(let detail, let mayHaveArrived):
            let actions = transientFailure(retryAfter: nil, throttled: false, at: tick, wall: wall, jitter: jitter)
            let inDoubt = mayHaveArrived && attempt.method == .post
            return Decision(
                outcome: retry(attempt, inDoubt: inDoubt, retryAfter: nil, wall: wall, jitter: jitter), error: detail,
                actions: actions)
        case .response(let response):
            return answered(response, to: attempt, at: tick, wall: wall, jitter: jitter)
        }
    }

    private mutating func answered(
        _ response: ReceiptResponse, to attempt: Attempt, at tick: Double, wall: Double, jitter: Double
    ) -> Decision {
        let post = attempt.method == .post
        switch response.status {
        case 200, 201:
            // Accepted only with the service's answer: for a POST a well-formed ID (a captive portal's 200 page
            // or a proxy's `201 {}` is not the service, and the POST may or may not have reached it); for a PUT
            // a JSON object (`{}` or its warnings), accepted for the ID it was sent to.
            let id = post ? response.validWasteTrackingId : attempt.targetWasteTrackingId
            guard post ? id != nil : response.isJSONObject else {
                let actions = transientFailure(retryAfter: nil, throttled: false, at: tick, wall: wall, jitter: jitter)
                let detail =
                    "HTTP \(response.status) without the service's answer "
                    + (post ? "(no valid wasteTrackingId; a proxy or captive portal?)" : "(not JSON)")
                return Decision(
                    outcome: retry(attempt, inDoubt: post, retryAfter: nil, wall: wall, jitter: jitter),
                    error: detail, actions: actions)
            }
            return Decision(
                outcome: .accepted(wasteTrackingId: id, warningsJSON: response.warningsJSON, notFound: false),
                error: nil, actions: succeeded())
        case 404 where !post:
            return Decision(
                outcome: .accepted(wasteTrackingId: nil, warningsJSON: response.warningsJSON, notFound: true),
                error: nil, actions: succeeded())
        case 400:
            return Decision(
                outcome: .rejected(errorsJSON: response.errorsJSON), error: "400 " + response.firstErrorSummary,
                actions: succeeded())
        case 401:
            // The worker already resent once with a fresh token: the credentials themselves are refused.
            return Decision(
                outcome: .held(reason: .auth, inDoubt: false), error: "401 Unauthorized with a fresh token",
                actions: credentialsRefused("the API answered 401 twice, even with a fresh token", at: tick))
        case 402:
            return Decision(
                outcome: .held(reason: .payment, inDoubt: false),
                error: "402 Payment Required: the service charge is unpaid",
                actions: paymentRequired(attempt.apiCode, at: tick))
        case 403:
            return Decision(
                outcome: .held(reason: .forbidden, inDoubt: false),
                error: "403 Forbidden: check the apiCode and the client's permissions")
        case 408, 429, 500...599:
            let actions = transientFailure(
                retryAfter: response.retryAfter, throttled: response.status == 429, at: tick, wall: wall,
                jitter: jitter)
            let inDoubt = post && Self.inDoubtStatuses.contains(response.status)
            return Decision(
                outcome: retry(attempt, inDoubt: inDoubt, retryAfter: response.retryAfter, wall: wall, jitter: jitter),
                error: inDoubt ? "HTTP \(response.status) to a POST: in doubt" : "HTTP \(response.status)",
                actions: actions)
        default:
            return Decision(
                outcome: .held(reason: .unexpectedStatus, inDoubt: false),
                error: "unexpected HTTP \(response.status) from the service")
        }
    }

    /// The one rule for a failed attempt: retried after a backoff (never sooner than an honoured
    /// Retry-After); when the POST may already be stored at the service, retried flagged
    /// (`delivery.in_doubt: resend`) or held for an operator (`hold`).
    private func retry(_ attempt: Attempt, inDoubt: Bool, retryAfter: Double?, wall: Double, jitter: Double)
        -> DeliveryOutcome
    {
        if inDoubt && settings.inDoubt == .hold { return .held(reason: .inDoubt, inDoubt: true) }
        let delay = settings.policy.delay(attempt: attempt.attempts, jitter: jitter, retryAfter: retryAfter)
        return .retry(nextAttemptAt: wall + delay, inDoubt: inDoubt)
    }
}
