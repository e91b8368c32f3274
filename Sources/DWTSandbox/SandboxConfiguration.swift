import DWTRelayCore
import Foundation

/// How the sandbox behaves: credentials, token lifetime, known and unpaid apiCodes, faults.
public struct SandboxConfiguration: Sendable {
    /// The dummy test apiCodes the service's test environment accepts.
    public static let dummyAPICodes: Set<String> = [
        "1f83215e-4b90-4785-9ab2-2614839aa2e9", "c1611aa6-e1ae-487f-9768-cb2b5e5b8afb",
        "5a6058cc-ac78-47e1-b1b3-37b5eca15cb2", "6f1f80e3-5c77-46cb-9766-f3d0f28039a6",
        "1a4a1076-f3c9-4aee-8b80-f548e1d745bb", "98093f51-a0b8-41a4-a349-a533a0dffd97",
        "a3e264b7-21c1-4c6f-ae7e-52305336bbdd", "3ec44d7a-e319-494b-b8bb-d156d7004b61",
        "17ea0c22-668a-41b2-b5ad-83c954f314f1",
    ]

    public var host = "127.0.0.1"
    public var port = 0
    public var clientID = "sandbox-client"
    public var clientSecret = "sandbox-secret"
    public var tokenLifetimeSeconds: Double = 3600
    public var knownAPICodes: Set<String> = dummyAPICodes
    /// apiCodes whose service charge is unpaid: movement requests get 402.
    public var unpaidAPICodes: Set<String> = []
    /// Header `service-charge-expiry-date` sent on every response.
    public var serviceChargeExpiry: String = {
        let date = Date().addingTimeInterval(200 * 86400)
        return Date.ISO8601FormatStyle().year().month().day().format(date)
    }()
    /// Check bodies like the service (off makes the sandbox a fast canned endpoint for benchmarks).
    public var validate = true
    /// The lists the five reference-data GETs serve (a test changes them to see a refresh reach intake).
    /// The sandbox's own validation keeps the bundled lists.
    public var referenceData = ReferenceData.bundled
    public var faults = SandboxFaults()
    /// Serve HTTPS with this PEM certificate chain and key (to test certificate verification).
    public var tlsCertificateFile: String? = nil
    public var tlsKeyFile: String? = nil
    /// The sandbox's clock in seconds: token expiry and the enforced rate read it. A test that runs the
    /// daemon on a `TestClock` gives the sandbox the same clock, so a token expires when the test says.
    public var seconds: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init() {}
}
