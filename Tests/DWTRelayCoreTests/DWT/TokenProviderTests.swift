import AsyncHTTPClient
import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Logging
import Testing

/// The token cache against the sandbox's token endpoint over HTTP, on a test clock shared with the
/// sandbox: however many senders ask at once, one request is made; a token is reused until a tenth of its
/// lifetime before expiry; refused credentials are told apart from an endpoint that is down.
@Suite struct TokenProviderTests {
    static func withProvider(
        lifetime: Double = 100, secret: String = RelayHarness.clientSecret,
        _ body: @Sendable (TokenProvider, RunningSandbox, TestClock) async throws -> Void
    ) async throws {
        let clock = TestClock()
        var configuration = SandboxConfiguration()
        configuration.tokenLifetimeSeconds = lifetime
        configuration.seconds = { clock.seconds }
        try await RelayHarness.withSandbox(configuration) { sandbox, _ in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let provider = TokenProvider(
                httpClient: client, tokenURL: sandbox.tokenURL, clientID: "sandbox-client", clientSecret: secret,
                timeoutSeconds: 5, logger: Logger(label: "test"), clock: clock)
            do {
                try await body(provider, sandbox, clock)
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    @Test func manySendersAskingAtOnceMakeOneRequest() async throws {
        try await Self.withProvider { provider, sandbox, _ in
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await provider.token() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(await sandbox.state.tokenRequests == 1)
        }
    }

    @Test func aTokenIsReusedUntilATenthOfItsLifetimeIsLeft() async throws {
        try await Self.withProvider(lifetime: 100) { provider, sandbox, clock in
            let first = try await provider.token()
            clock.advance(by: .seconds(89))
            #expect(try await provider.token() == first)
            clock.advance(by: .seconds(1))
            let second = try await provider.token()
            #expect(second != first)
            #expect(await sandbox.state.isValid(token: second))
            #expect(await sandbox.state.tokenRequests == 2)
        }
    }

    @Test func refusedCredentialsAreToldApartFromAnEndpointThatIsDown() async throws {
        try await Self.withProvider(secret: "wrong") { provider, sandbox, _ in
            await #expect {
                try await provider.token()
            } throws: {
                guard case TokenProvider.Failure.refused(let status, _) = $0 else { return false }
                return status == 400
            }
            var faults = SandboxFaults()
            faults.tokenEndpointDown = true
            await sandbox.state.setFaults(faults)
            await #expect {
                try await provider.token()
            } throws: {
                guard case TokenProvider.Failure.unavailable = $0 else { return false }
                return true
            }
        }
    }
}
