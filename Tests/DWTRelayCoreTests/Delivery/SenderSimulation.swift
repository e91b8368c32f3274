import DWTRelayTestSupport
import Foundation

@testable import DWTRelayCore

/// A deterministic generator (SplitMix64): one seed, one history, replayed exactly.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }
}

/// What the service (or what stands in front of it) does with one request while it is unwell.
enum ServiceFault: CaseIterable {
    case throttled, storedThen500, badGateway502, unavailable503, timeout408, lostBeforeStoring, lostAfterStoring
    case portalPage, emptyCreated
}

/// One generated history: movements dropped over time, the service's faults until it heals, clock steps,
/// crashes, an unpaid charge and refused credentials for a while, revoked tokens, a store that refuses
/// writes for a while, an operator's release.
struct SenderHistory: CustomStringConvertible {
    struct Drop {
        var at: Double
        var reference: String
        var version: Int
        /// The service answers 400 to it.
        var invalid: Bool
    }

    var seed: UInt64
    var concurrency: Int
    var circuitFailures: Int
    var maxRate: Double
    var backoffMax: Double
    var inDoubt: RelayConfig.InDoubtPolicy
    var drops: [Drop] = []
    /// Before this tick each request meets a fault with `faultRate`; after it the service is well.
    var healAt: Double
    var faultRate: Double
    var retryAfterTexts: [String?]
    var clockSteps: [(at: Double, by: Double)] = []
    /// The daemon dies at `at` and starts again `downFor` seconds later; files dropped meanwhile wait in the
    /// inbox and are taken by the start-up scan.
    var crashes: [(at: Double, downFor: Double)] = []
    var unpaid: Range<Double>?
    var credentialsRefused: Range<Double>?
    /// The token endpoint revokes every token issued so far (a key rotation): the API answers 401 to one
    /// issued before, and the sender must resend once with a fresh token, not hold the movement.
    var tokenRevocations: [Double] = []
    /// The store refuses every write (a full disk) from `at` for `lasting` seconds; never while stopped.
    var storeFailures: [(at: Double, lasting: Double)] = []
    /// An operator releases every held movement (`retry --all`).
    var releases: [Double] = []

    init(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        self.seed = seed
        concurrency = random.pick([1, 2, 4])
        circuitFailures = random.pick([2, 5, 1000])
        maxRate = random.pick([0, 5, 100])
        backoffMax = random.pick([30, 300])
        inDoubt = random.chance(0.8) ? .resend : .hold
        healAt = random.uniform(60...900)
        faultRate = random.pick([0.2, 0.5, 0.9])
        // Retry-After as a service or a proxy may send it: sane, zero, negative, huge, infinite, garbage.
        retryAfterTexts = [nil, "0", "-5", "3", "31536000", "inf", "1e400", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"]
        for index in 0..<Int(random.next() % 8 + 1) {
            let reference = "R\(index)"
            var at = random.uniform(0...healAt)
            for version in 1...Int(random.next() % 3 + 1) {
                drops.append(Drop(at: at, reference: reference, version: version, invalid: random.chance(0.12)))
                at += random.pick([0.01, 0.5, 5, 60])
            }
        }
        drops.sort { $0.at < $1.at }
        for _ in 0..<Int(random.next() % 3) {
            clockSteps.append((random.uniform(0...healAt), random.pick([-3600, -60, 120, 3600])))
        }
        for _ in 0..<Int(random.next() % 3) {
            crashes.append((random.uniform(0...healAt), random.chance(0.4) ? 0 : random.uniform(1...600)))
        }
        crashes.sort { $0.at < $1.at }
        // One stop at a time: a crash while stopped is no crash.
        crashes = crashes.reduce(into: []) { kept, crash in
            if let last = kept.last, crash.at < last.at + last.downFor { return }
            kept.append(crash)
        }
        if random.chance(0.3) {
            let start = random.uniform(0...healAt)
            unpaid = start..<random.uniform(start...healAt)
        }
        if random.chance(0.3) {
            let start = random.uniform(0...healAt)
            credentialsRefused = start..<random.uniform(start...healAt)
        }
        for _ in 0..<Int(random.next() % 3) { tokenRevocations.append(random.uniform(0...healAt)) }
        for _ in 0..<Int(random.next() % 3) {
            let failure = (at: random.uniform(0...healAt), lasting: random.pick([0.5, 5, 90]))
            let clashes =
                crashes.contains { failure.at < $0.at + $0.downFor + 1 && $0.at < failure.at + failure.lasting + 1 }
                || storeFailures.contains {
                    failure.at < $0.at + $0.lasting + 1 && $0.at < failure.at + failure.lasting + 1
                }
            if !clashes { storeFailures.append(failure) }
        }
        if random.chance(0.3) { releases.append(random.uniform(0...(healAt + 600))) }
    }

    var description: String {
        let steps = clockSteps.map { "\(Int($0.by))s@\(Int($0.at))" }
        return """
            seed \(seed): concurrency \(concurrency), circuit \(circuitFailures), rate \(maxRate), backoffMax \
            \(backoffMax), inDoubt \(inDoubt), heal \(Int(healAt)) s, faults \(faultRate), \
            drops \(drops.map { "\($0.reference)v\($0.version)\($0.invalid ? "!" : "")@\(Int($0.at))" }), \
            steps \(steps), crashes \(crashes.map { "\(Int($0.at))+\(Int($0.downFor))s" }), unpaid \(String(describing: unpaid)), \
            refused \(String(describing: credentialsRefused)), revocations \(tokenRevocations.map { Int($0) }), \
            store failures \(storeFailures.map { "\(Int($0.at))+\($0.lasting)s" }), releases \(releases.map { Int($0) })
            """
    }
}

/// The reference model: what the service ends up holding.
struct ServiceModel {
    struct Record {
        var reference: String
        var version: Int
    }

    var records: [String: Record] = [:]
    /// Stored POSTs per reference: more than one is a duplicate at the service.
    var posts: [String: Int] = [:]
    var requests = 0
    private var counter = 0

    mutating func post(reference: String, version: Int) -> String {
        counter += 1
        let id = "26" + String(format: "%06d", counter)
        records[id] = Record(reference: reference, version: version)
        posts[reference, default: 0] += 1
        return id
    }

    mutating func put(id: String, reference: String, version: Int) -> Bool {
        guard records[id] != nil else { return false }
        records[id] = Record(reference: reference, version: version)
        return true
    }
}
