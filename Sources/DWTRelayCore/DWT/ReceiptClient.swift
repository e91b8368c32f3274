import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// Sends movements to the Receipt API over one keep-alive HTTP client. Never retries on its own.
public final class ReceiptClient: Sendable {
    public enum SendFailure: Error, Sendable {
        /// Transport failure; `inDoubt` when the request may have reached the service.
        case transport(String, inDoubt: Bool)
    }

    public let httpClient: HTTPClient
    public let tokens: TokenProvider
    public let baseURL: String
    public let timeout: TimeAmount

    /// `clock` times the token cache's refresh (the daemon's injected clock).
    public init(
        config: RelayConfig, clientSecret: String, logger: Logger, clock: some Clock<Duration> = ContinuousClock()
    ) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = config.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConfigError(key: "api.ca_file", "cannot read \(caFile)")
            }
            tls.additionalTrustRoots = [.file(caFile)]
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        // No tracer: request spans cost measurable CPU per movement and nothing here collects them.
        configuration.tracing.tracer = nil
        configuration.timeout = .init(connect: .seconds(10), read: .milliseconds(Int64(config.timeoutSeconds * 1000)))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(config.concurrency, 1) + 1)
        if let proxy = config.proxy {
            guard let url = URL(string: proxy), let host = url.host else {
                throw ConfigError(
                    key: "api.proxy",
                    "expected http://[user:password@]host:port, got \"\(RelayConfig.redacted(proxy))\"")
            }
            // An authenticating proxy gets its credentials as Proxy-Authorization (Basic).
            if let user = url.user {
                configuration.proxy = .server(
                    host: host, port: url.port ?? 3128,
                    authorization: .basic(
                        username: user.removingPercentEncoding ?? user,
                        password: url.password.map { $0.removingPercentEncoding ?? $0 } ?? ""))
            } else {
                configuration.proxy = .server(host: host, port: url.port ?? 3128)
            }
        }
        guard let clientID = config.clientID else {
            throw ConfigError(key: "api.client_id", "required to deliver movements (set it in the config file)")
        }
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        tokens = TokenProvider(
            httpClient: httpClient, tokenURL: config.tokenURL, clientID: clientID, clientSecret: clientSecret,
            timeoutSeconds: config.timeoutSeconds, logger: logger, clock: clock)
        baseURL = config.baseURL.hasSuffix("/") ? String(config.baseURL.dropLast()) : config.baseURL
        timeout = .milliseconds(Int64(config.timeoutSeconds * 1000))
    }

    public func shutdown() async {
        try? await httpClient.shutdown()
    }

    /// URL path of the request for a delivery (logged; carries no secret).
    public static func path(for target: String?) -> String {
        if let target { return "/movements/\(target)/receive" }
        return "/movements/receive"
    }

    /// One POST (no target) or PUT (target ID) with the current token.
    public func send(payload: Data, target: String?, token: String) async throws(SendFailure) -> ReceiptResponse {
        var request = HTTPClientRequest(url: baseURL + Self.path(for: target))
        request.method = target == nil ? .POST : .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "dwt-relay/\(RelayVersion.current)")
        request.body = .bytes(ByteBuffer(bytes: payload))
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 4 << 20)
            return ReceiptResponse(
                status: Int(response.status.code), body: Data(buffer: body),
                // The running service sends the first name; Defra's published spec names the second.
                serviceChargeExpiry: response.headers.first(name: "service-charge-expiry-date")
                    ?? response.headers.first(name: "x-dwt-service-charge-expiry-date"),
                retryAfter: ReceiptResponse.parseRetryAfter(response.headers.first(name: "Retry-After")))
        } catch {
            throw .transport(TransportErrors.describe(error), inDoubt: !TransportErrors.requestNeverLeft(error))
        }
    }
    /// Sends scenario and waste tracking IDs to Defra's PAT endpoint (`url`; by default
    /// `<api.base_url>/production-approval-tests`) and returns its verdicts. Throws with the service's own
    /// words when it refuses the request.
    public func submitApprovalTests(_ entries: [ApprovalAssessment.Entry], url: String?, token: String) async throws
        -> (submissionId: String, outcomes: [ApprovalAssessment.Outcome])
    {
        var request = HTTPClientRequest(url: url ?? baseURL + "/production-approval-tests")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "dwt-relay/\(RelayVersion.current)")
        let payload = try JSONSerialization.data(withJSONObject: entries.map(\.json))
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response = try await httpClient.execute(request, timeout: timeout)
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard response.status.code == 200, let results = object?["results"] as? [[String: Any]] else {
            let detail = String(decoding: data.prefix(500), as: UTF8.self)
            throw ApprovalSubmissionError(status: Int(response.status.code), detail: detail)
        }
        return (object?["submissionId"] as? String ?? "-", results.compactMap(ApprovalAssessment.Outcome.init(json:)))
    }
}

public struct ApprovalSubmissionError: Error, CustomStringConvertible {
    public let status: Int
    public let detail: String
    public var description: String { "the PAT endpoint answered \(status): \(detail)" }
}
