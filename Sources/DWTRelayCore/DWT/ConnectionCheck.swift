import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// `check-config --connect`, like `filebeat test output`: each step the daemon needs to reach Defra, timed,
/// with the exact reason when one fails, and which side to look at (the site's network or the credentials).
public struct ConnectionCheck: Sendable {
    public struct Step: Sendable {
        public var name: String
        public var ok: Bool
        public var milliseconds: Int
        public var detail: String
    }

    let config: RelayConfig
    let clientSecret: String

    public init(config: RelayConfig, clientSecret: String) {
        self.config = config
        self.clientSecret = clientSecret
    }

    /// Runs the steps in order, stopping at the first that fails.
    public func run() async -> [Step] {
        var steps: [Step] = []
        for host in Set([config.tokenURL, config.baseURL].map { URL(string: $0)?.host ?? $0 }).sorted() {
            let step = Self.timed("resolve \(host)") { () throws -> String in
                let addresses = try Self.resolve(host)
                return addresses.joined(separator: ", ")
            }
            steps.append(step)
            if !step.ok { return steps }
        }
        let client: ReceiptClient
        do {
            client = try ReceiptClient(config: config, clientSecret: clientSecret, logger: .init(label: "connect"))
        } catch {
            steps.append(Step(name: "HTTP client", ok: false, milliseconds: 0, detail: "\(error)"))
            return steps
        }
        let reached = await probe(client)
        await client.shutdown()
        return steps + reached
    }

    /// The token and the reference-data GET, stopping at the first failure.
    private func probe(_ client: ReceiptClient) async -> [Step] {
        var steps: [Step] = []
        let started = ContinuousClock.now
        let token: String
        do {
            token = try await client.tokens.token()
            steps.append(
                Step(
                    name: "token from \(config.tokenURL)", ok: true, milliseconds: Self.ms(since: started),
                    detail: "credentials accepted"))
        } catch {
            let detail: String
            switch error {
            case .refused:
                detail = "\(error): check api.client_id and the client secret (the network is fine: Defra answered)"
            case .unavailable(let why):
                detail = "\(why) (the request did not get an answer: check the site's network, proxy and api.ca_file)"
            case .notAToken:
                detail = "\(error)"
            }
            steps.append(
                Step(
                    name: "token from \(config.tokenURL)", ok: false, milliseconds: Self.ms(since: started),
                    detail: detail))
            return steps
        }
        let getStarted = ContinuousClock.now
        var request = HTTPClientRequest(url: config.baseURL + "/reference-data/container-types")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await client.httpClient.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            var detail = "HTTP \(response.status.code), \(body.readableBytes) bytes"
            if let date = response.headers.first(name: "Date").flatMap(Self.httpDate) {
                let skew = Date().timeIntervalSince(date)
                detail += abs(skew) > 60 ? "; this PC's clock is \(Int(skew)) s off the service's: fix NTP" : ""
            }
            steps.append(
                Step(
                    name: "GET /reference-data/container-types", ok: response.status.code == 200,
                    milliseconds: Self.ms(since: getStarted), detail: detail))
        } catch {
            steps.append(
                Step(
                    name: "GET /reference-data/container-types", ok: false, milliseconds: Self.ms(since: getStarted),
                    detail: TransportErrors.describe(error)))
        }
        return steps
    }

    static func timed(_ name: String, _ body: () throws -> String) -> Step {
        let started = ContinuousClock.now
        do {
            return Step(name: name, ok: true, milliseconds: ms(since: started), detail: try body())
        } catch {
            return Step(name: name, ok: false, milliseconds: ms(since: started), detail: "\(error)")
        }
    }

    static func ms(since start: ContinuousClock.Instant) -> Int {
        let elapsed = start.duration(to: .now)
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    struct ResolveError: Error, CustomStringConvertible {
        let host: String
        let reason: String
        var description: String { "cannot resolve \(host): \(reason) (DNS on this PC or the site's network)" }
    }

    static func resolve(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &result)
        guard code == 0, let first = result else {
            throw ResolveError(host: host, reason: String(cString: gai_strerror(code)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                let text = String(cString: buffer)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
