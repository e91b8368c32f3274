import Crypto
import DWTRelayCore
import Foundation

/// Everything the sandbox remembers: issued tokens, stored movements, faults and counters.
public actor SandboxState {
    public struct StoredMovement: Codable, Sendable {
        public var wasteTrackingId: String
        public var posts: Int
        public var puts: Int
        public var latestBodyHash: String
        public var yourUniqueReference: String?
        public var apiCode: String?
    }

    public private(set) var configuration: SandboxConfiguration
    private var tokens: [String: Double] = [:]
    /// Every token ever issued (tests grep logs and files for them).
    public private(set) var issuedTokens: [String] = []
    private var movements: [String: StoredMovement] = [:]
    /// The latest body stored under each ID, which the PAT endpoint assesses.
    private var bodies: [String: Data] = [:]
    private var order: [String] = []
    private var recentRequests: [Double] = []
    public private(set) var tokenRequests = 0
    /// Token requests refused for their credentials.
    public private(set) var refusedTokenRequests = 0
    public private(set) var movementRequests = 0
    public private(set) var unknownIDPuts = 0

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
    }

    public var faults: SandboxFaults { configuration.faults }

    public func setFaults(_ faults: SandboxFaults) { configuration.faults = faults }

    public func setReferenceData(_ data: ReferenceData) { configuration.referenceData = data }

    public func setPaid(_ apiCode: String, paid: Bool) {
        if paid { configuration.unpaidAPICodes.remove(apiCode) } else { configuration.unpaidAPICodes.insert(apiCode) }
    }

    public func issueToken() -> (token: String, lifetime: Double) {
        tokenRequests += 1
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let lifetime = configuration.tokenLifetimeSeconds
        tokens[token] = configuration.seconds() + lifetime
        issuedTokens.append(token)
        return (token, lifetime)
    }

    public func isValid(token: String) -> Bool {
        guard let expiry = tokens[token] else { return false }
        return configuration.seconds() < expiry
    }

    public func revokeAllTokens() { tokens.removeAll() }

    /// Counts a movement request against the enforced rate; true when over it (answer 429).
    public func overRateLimit() -> Bool {
        movementRequests += 1
        let limit = configuration.faults.enforcedRatePerSecond
        guard limit > 0 else { return false }
        let now = configuration.seconds()
        recentRequests.append(now)
        recentRequests.removeAll { $0 < now - 1 }
        return Double(recentRequests.count) > limit
    }

    /// Takes one request out of a configured 429 burst; true while the burst lasts.
    public func takeRateLimitBurst() -> Bool {
        guard configuration.faults.rateLimitBurst > 0 else { return false }
        configuration.faults.rateLimitBurst -= 1
        return true
    }

    /// Takes one request out of a configured impostor burst; true while the burst lasts.
    public func takeImpostorBurst() -> Bool {
        guard configuration.faults.impostorBurst > 0 else { return false }
        configuration.faults.impostorBurst -= 1
        return true
    }

    public func storePost(body: Data, reference: String?, apiCode: String?) -> String {
        var id: String
        repeat { id = Self.newID() } while movements[id] != nil
        movements[id] = StoredMovement(
            wasteTrackingId: id, posts: 1, puts: 0, latestBodyHash: Self.hash(body), yourUniqueReference: reference,
            apiCode: apiCode)
        order.append(id)
        bodies[id] = body
        return id
    }

    /// Stores a PUT; returns false when the ID is unknown (the service still keeps the details: 404).
    public func storePut(id: String, body: Data) -> Bool {
        guard var movement = movements[id] else {
            unknownIDPuts += 1
            return false
        }
        movement.puts += 1
        movement.latestBodyHash = Self.hash(body)
        movements[id] = movement
        bodies[id] = body
        return true
    }

    public func listing() -> [StoredMovement] { order.compactMap { movements[$0] } }

    public func body(of wasteTrackingId: String) -> Data? { bodies[wasteTrackingId] }

    static func newID() -> String {
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) % 100
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String(format: "%02d", year) + String((0..<6).map { _ in alphabet.randomElement()! })
    }

    static func hash(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

extension SandboxState {
    /// Changes the accepted client credentials (e.g. a rotated secret).
    func countRefusedTokenRequest() { refusedTokenRequests += 1 }

    public func setCredentials(clientID: String, clientSecret: String) {
        configuration.clientID = clientID
        configuration.clientSecret = clientSecret
    }
}
