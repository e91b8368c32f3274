import ArgumentParser
import DWTRelayCore
import DWTSandbox
import Foundation
import Logging

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local imitation of the DWT Receipt API (token, POST/PUT, reference data, faults, /admin).")

    @Option(name: .long, help: "Port (0 picks a free one).") var port = 8788
    @Option(name: .long, help: "Address to bind.") var host = "127.0.0.1"
    @Option(name: .long, help: "OAuth client id it accepts.") var clientId = "sandbox-client"
    @Option(name: .long, help: "OAuth client secret it accepts.") var clientSecret = "sandbox-secret"
    @Option(name: .long, help: "Token lifetime (expires_in) in seconds.") var tokenLifetime: Double = 3600
    @Option(name: .long, help: "apiCode whose service charge is unpaid (402); repeatable.") var unpaid: [String] = []
    @Flag(name: .long, help: "Skip body validation (a fast canned endpoint).") var noValidate = false
    @Option(name: .long, help: "Share of movement requests answered 500/502/503/504.") var errorRate: Double = 0
    @Option(name: .long, help: "Next N movement requests get 429.") var rateLimitBurst = 0
    @Option(name: .long, help: "Retry-After seconds on 429s.") var retryAfter: Double?
    @Option(name: .long, help: "Latency added to movement answers (ms).") var latencyMs = 0
    @Flag(name: .long, help: "Never answer movement requests.") var hang = false
    @Option(name: .long, help: "Share of requests dropped before storing.") var dropBefore: Double = 0
    @Option(name: .long, help: "Share of requests dropped after storing (answer lost).") var dropAfter: Double = 0
    @Flag(name: .long, help: "Token endpoint answers 503.") var tokenEndpointDown = false
    @Flag(name: .long, help: "Drop every connection.") var serviceDown = false
    @Option(name: .long, help: "Enforce this many requests per second (429 above it); 0 = off.") var enforceRate:
        Double = 0
    @Option(name: .long, help: "Serve HTTPS with this PEM certificate chain.") var tlsCert: String?
    @Option(name: .long, help: "PEM private key for --tls-cert.") var tlsKey: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in RelayLogHandler(label: label, level: .info, format: .text) }
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.clientID = clientId
        configuration.clientSecret = clientSecret
        configuration.tokenLifetimeSeconds = tokenLifetime
        configuration.unpaidAPICodes = Set(unpaid.map { $0.lowercased() })
        configuration.validate = !noValidate
        var faults = SandboxFaults()
        faults.errorRate = errorRate
        faults.rateLimitBurst = rateLimitBurst
        faults.retryAfterSeconds = retryAfter
        faults.latencyMs = latencyMs
        faults.hang = hang
        faults.dropBeforeStoreRate = dropBefore
        faults.dropAfterStoreRate = dropAfter
        faults.tokenEndpointDown = tokenEndpointDown
        faults.serviceDown = serviceDown
        faults.enforcedRatePerSecond = enforceRate
        configuration.faults = faults
        configuration.tlsCertificateFile = tlsCert
        configuration.tlsKeyFile = tlsKey
        let sandbox = Sandbox(configuration: configuration, logger: Logger(label: "dwt-relay.sandbox"))
        let host = self.host
        let tlsCert = self.tlsCert
        try await sandbox.run(host: host, port: port) { port in
            let scheme = tlsCert == nil ? "http" : "https"
            print(
                "sandbox listening on \(scheme)://\(host):\(port) (token URL \(scheme)://\(host):\(port)/oauth2/token)")
            FileHandle.standardOutput.synchronizeFile()
        }
    }
}
