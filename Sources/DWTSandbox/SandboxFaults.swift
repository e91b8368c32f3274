/// Faults the sandbox injects, set from flags at start or at run time via `PUT /admin/faults`.
public struct SandboxFaults: Codable, Sendable, Equatable {
    /// Share of movement requests (0...1) answered with one of `errorStatuses`.
    public var errorRate: Double = 0
    public var errorStatuses: [Int] = [500, 502, 503, 504]
    /// The next N movement requests get 429.
    public var rateLimitBurst: Int = 0
    /// `Retry-After` seconds sent with 429s (nil: no header).
    public var retryAfterSeconds: Double? = nil
    /// `Retry-After` text sent verbatim with 429s, winning over `retryAfterSeconds` (e.g. `inf`, garbage).
    public var retryAfterHeader: String? = nil
    /// The next N movement requests are answered by something that is not the service (a captive portal,
    /// a proxy): `impostorAnswer` `html` is `200 text/html`, `empty` is `201 {}`. Nothing is stored.
    public var impostorBurst: Int = 0
    public var impostorAnswer: String = "html"
    /// Added delay before every movement answer, in milliseconds.
    public var latencyMs: Int = 0
    /// Never answer movement requests (the client times out).
    public var hang: Bool = false
    /// Share of movement requests whose connection is dropped before the movement is stored.
    public var dropBeforeStoreRate: Double = 0
    /// Share of movement requests whose connection is dropped after the movement is stored (answer lost).
    public var dropAfterStoreRate: Double = 0
    /// The token endpoint answers 503.
    public var tokenEndpointDown: Bool = false
    /// The token endpoint answers `200 text/html` (a proxy's sign-in page, a wrong URL).
    public var tokenEndpointHTML: Bool = false
    /// Every request's connection is dropped at once (whole service unreachable).
    public var serviceDown: Bool = false
    /// Enforce a rate limit like the service's soft limit (requests per second; 0 = off).
    public var enforcedRatePerSecond: Double = 0
    /// 400 messages quote the value sent, as Joi's default messages do (`with value "..."`) for a rule the
    /// service gives no message of its own: what dwt-relay stores in plaintext must not depend on the
    /// service never doing so.
    public var quoteValuesInErrors: Bool = false

    public init() {}
}

extension SandboxFaults {
    /// Decodes a partial object: fields left out keep their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var faults = SandboxFaults()
        faults.errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? faults.errorRate
        faults.errorStatuses = try container.decodeIfPresent([Int].self, forKey: .errorStatuses) ?? faults.errorStatuses
        faults.rateLimitBurst = try container.decodeIfPresent(Int.self, forKey: .rateLimitBurst) ?? 0
        faults.tokenEndpointHTML = try container.decodeIfPresent(Bool.self, forKey: .tokenEndpointHTML) ?? false
        faults.retryAfterSeconds = try container.decodeIfPresent(Double.self, forKey: .retryAfterSeconds)
        faults.retryAfterHeader = try container.decodeIfPresent(String.self, forKey: .retryAfterHeader)
        faults.impostorBurst = try container.decodeIfPresent(Int.self, forKey: .impostorBurst) ?? 0
        faults.impostorAnswer = try container.decodeIfPresent(String.self, forKey: .impostorAnswer) ?? "html"
        faults.latencyMs = try container.decodeIfPresent(Int.self, forKey: .latencyMs) ?? 0
        faults.hang = try container.decodeIfPresent(Bool.self, forKey: .hang) ?? false
        faults.dropBeforeStoreRate = try container.decodeIfPresent(Double.self, forKey: .dropBeforeStoreRate) ?? 0
        faults.dropAfterStoreRate = try container.decodeIfPresent(Double.self, forKey: .dropAfterStoreRate) ?? 0
        faults.tokenEndpointDown = try container.decodeIfPresent(Bool.self, forKey: .tokenEndpointDown) ?? false
        faults.serviceDown = try container.decodeIfPresent(Bool.self, forKey: .serviceDown) ?? false
        faults.enforcedRatePerSecond = try container.decodeIfPresent(Double.self, forKey: .enforcedRatePerSecond) ?? 0
        faults.quoteValuesInErrors = try container.decodeIfPresent(Bool.self, forKey: .quoteValuesInErrors) ?? false
        self = faults
    }
}
