import DWTRelayCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A local imitation of the DWT Receipt API: OAuth token endpoint, POST/PUT movements with the service's
/// validation and response shapes, the five reference-data GETs, fault injection and an admin listing.
public struct Sandbox: Sendable {
    public let state: SandboxState
    let validator: MovementValidator
    let logger: Logger

    public init(configuration: SandboxConfiguration, logger: Logger) {
        self.state = SandboxState(configuration: configuration)
        self.validator = MovementValidator(
            reference: .bundled, knownAPICodes: Set(configuration.knownAPICodes.map { $0.lowercased() }))
        self.logger = logger
    }

    /// Runs the server until the task is cancelled; `onReady` gets the bound port.
    public func run(host: String, port: Int, onReady: @escaping @Sendable (Int) async -> Void) async throws {
        let configuration = await state.configuration
        var server: HTTPServerBuilder = .http1()
        if let certificate = configuration.tlsCertificateFile, let key = configuration.tlsKeyFile {
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: tls)
        }
        let app = Application(
            router: makeRouter(),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "dwt-relay-sandbox"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.run()
    }

    /// Starts a sandbox on a free loopback port, runs `body` with it, then stops it.
    public static func withRunning<T: Sendable>(
        _ configuration: SandboxConfiguration = SandboxConfiguration(),
        logger: Logger = Logger(label: "dwt-relay.sandbox"),
        _ body: @Sendable (RunningSandbox) async throws -> T
    ) async throws -> T {
        let sandbox = Sandbox(configuration: configuration, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // Stopped gracefully, not cancelled: cancelling a server while it has accepted a connection it has not
        // yet served traps in swift-nio ("Deinited NIOAsyncWriter without calling finish()", swift-nio#2637).
        let server = ServiceGroup(
            configuration: .init(
                services: [
                    SandboxServer(sandbox: sandbox, host: configuration.host, port: configuration.port) { port in
                        continuation.yield(port)
                    }
                ], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let running = RunningSandbox(
                host: configuration.host, port: port, state: sandbox.state,
                scheme: configuration.tlsCertificateFile == nil ? "http" : "https")
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body(running)) } catch { outcome = .failure(error) }
            await server.triggerGracefulShutdown()
            group.addTask { try await Task.sleep(for: .seconds(30)) }
            _ = try? await group.next()
            return try outcome.get()
        }
    }
}

/// The sandbox's server as a service, so that a test can stop it gracefully.
struct SandboxServer: Service {
    let sandbox: Sandbox
    let host: String
    let port: Int
    let onReady: @Sendable (Int) async -> Void

    func run() async throws { try await sandbox.run(host: host, port: port, onReady: onReady) }
}

/// A sandbox that is up: where to reach it and its state for assertions.
public struct RunningSandbox: Sendable {
    public let host: String
    public let port: Int
    public let state: SandboxState
    public var scheme = "http"

    public var baseURL: String { "\(scheme)://\(host):\(port)" }
    public var tokenURL: String { baseURL + "/oauth2/token" }
}
