import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// TLS verification is always on: a self-signed service is refused with a clear error, and accepted once
/// `api.ca_file` names its CA.
@Suite(.serialized) struct TransportSecurityTests {
    /// A throwaway CA and a certificate for 127.0.0.1 signed by it (openssl CLI).
    static func makeCertificates(in folder: TemporaryFolder) throws -> (ca: String, cert: String, key: String) {
        let script = """
            set -e
            cd '\(folder.path)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=dwt-relay-test-ca 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw POSIXError(.EIO) }
        return (folder.sub("ca.pem"), folder.sub("server.pem"), folder.sub("server.key"))
    }

    @Test func selfSignedServiceIsRefusedUntilTheCAIsConfigured() async throws {
        let certificates = TemporaryFolder()
        let (ca, cert, key) = try Self.makeCertificates(in: certificates)
        var sandbox = SandboxConfiguration()
        sandbox.tlsCertificateFile = cert
        sandbox.tlsKeyFile = key
        try await RelayHarness.run(sandbox: sandbox) { (harness: RelayHarness) async throws in
            #expect(harness.config.baseURL.hasPrefix("https://"))
            try harness.drop("tls.json", TestFixtures.movement(reference: "TLS-1"))
            #expect(await eventually { (try? harness.movement(file: "tls.json"))??.lastError != nil })
            let movement = try #require(try harness.movement(file: "tls.json"))
            #expect(movement.state.isPending, "kept for a retry, never dropped")
            #expect(movement.lastError?.contains("TLS") == true, "\(movement.lastError ?? "")")
            #expect(movement.lastError?.contains("api.ca_file") == true)
            #expect(await harness.sandbox.state.tokenRequests == 0, "no request may pass an unverified connection")
        }
        try await RelayHarness.run(sandbox: sandbox, config: ["api.ca_file": ca]) {
            (harness: RelayHarness) async throws in
            try harness.drop("tls.json", TestFixtures.movement(reference: "TLS-2"))
            #expect(await eventually { (try? harness.allFinal(count: 1)) == true })
            #expect(try harness.movement(file: "tls.json")?.state == .accepted)
        }
    }
}
