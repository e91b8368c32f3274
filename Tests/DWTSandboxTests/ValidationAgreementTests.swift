import AsyncHTTPClient
import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import NIOCore
import NIOFoundationCompat
import Testing

/// `dwt-relay validate` (offline) and the sandbox (over HTTP) agree with each other and with the spec's
/// expected verdict and error keys, on the examples and on a corpus of mutated bodies.
@Suite struct ValidationAgreementTests {
    static let corpus = SharedFixtures.packageRoot + "/Tests/DWTRelayCoreTests/Fixtures/validation"

    struct Case {
        var file: String
        var valid: Bool
        var errorKeys: Set<String>
    }

    static func cases() throws -> [Case] {
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: corpus + "/manifest.json"))) as! [[String: Any]]
        return manifest.map {
            Case(file: $0["file"] as! String, valid: $0["valid"] as! Bool, errorKeys: Set($0["errorKeys"] as! [String]))
        }
    }

    @Test func corpusIsLargeEnough() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 40)
        #expect(cases.filter { !$0.valid }.count >= 40)
    }

    @Test func offlineValidationMatchesTheExpectedKeys() throws {
        let validator = MovementValidator()
        for entry in try Self.cases() {
            let body =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: Self.corpus + "/" + entry.file))) as! [String: Any]
            let report = validator.validate(body)
            #expect(report.isValid == entry.valid, "\(entry.file): \(report.errors)")
            #expect(Set(report.errors.map(\.key)) == entry.errorKeys, "\(entry.file): \(report.errors)")
        }
    }

    /// Both sides run the same validator, so this checks the HTTP mapping and key form only; the oracle for
    /// the rules themselves is the manifest (and, still to come, Defra's UAT cases).
    @Test func sandboxExposesTheValidatorsVerdictsOverHTTP() async throws {
        var files = try Self.cases().map { Self.corpus + "/" + $0.file }
        files += try SharedFixtures.examples().map { SharedFixtures.examplesFolder + "/" + $0.name }
        let offline = try await RelayProcess.run(["validate", "--json"] + files)
        let output = offline.out
        #expect((try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [[String: Any]]).count == files.count)
        try await Sandbox.withRunning { sandbox in
            let token = try await Self.token(sandbox)
            let reports = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [[String: Any]]
            for report in reports {
                let file = report["file"] as! String
                var request = HTTPClientRequest(url: sandbox.baseURL + "/movements/receive")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.body = .bytes(ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: file))))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body =
                    try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
                    as? [String: Any]
                let valid = report["valid"] as! Bool
                #expect(response.status.code == (valid ? 201 : 400), "\(file)")
                let offlineKeys = Set((report["errors"] as! [[String: Any]]).map { $0["key"] as! String })
                let serviceErrors = (body?["validation"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []
                #expect(Set(serviceErrors.map { $0["key"] as! String }) == offlineKeys, "\(file)")
                let offlineWarnings = Set((report["warnings"] as! [[String: Any]]).map { $0["key"] as! String })
                let serviceWarnings = (body?["validation"] as? [String: Any])?["warnings"] as? [[String: Any]] ?? []
                if valid { #expect(Set(serviceWarnings.map { $0["key"] as! String }) == offlineWarnings, "\(file)") }
            }
        }
    }

    static func token(_ sandbox: RunningSandbox) async throws -> String {
        var request = HTTPClientRequest(url: sandbox.tokenURL)
        request.method = .POST
        request.headers.add(
            name: "Authorization", value: "Basic " + Data("sandbox-client:sandbox-secret".utf8).base64EncodedString())
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body =
            try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
            as! [String: Any]
        return body["access_token"] as! String
    }
}
