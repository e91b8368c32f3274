import AsyncHTTPClient
import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import NIOCore
import NIOFoundationCompat
import Testing

/// `dwt-relay validate` (the binary) and the sandbox (over HTTP) give Defra's running code's answers on the
/// conformance corpus (conformance/defra-corpus.json: Defra's UAT cases and one probe per rule, answered by
/// Defra's own Joi schema and warning generators): status, errors and warnings, in the service's shapes.
@Suite struct ValidationAgreementTests {
    static func writeBodies(_ cases: [DefraCorpus.Case], to folder: TemporaryFolder) throws -> [String: String] {
        var files: [String: String] = [:]
        for entry in cases {
            let path = folder.path + "/\(entry.id).json"
            try entry.bodyData.write(to: URL(fileURLWithPath: path))
            files[path] = entry.id
        }
        return files
    }

    @Test func validateCommandAnswersAsDefrasCode() async throws {
        let corpus = try DefraCorpus.load()
        let cases = corpus.cases.filter { $0.serviceState == nil }
        let folder = TemporaryFolder()
        let files = try Self.writeBodies(cases, to: folder)
        let expected = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0.expected) })
        let run = try await RelayProcess.run(["validate", "--json"] + files.keys.sorted())
        let reports = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [[String: Any]]
        #expect(reports.count == cases.count)
        var agree = 0
        for report in reports {
            let id = files[report["file"] as! String]!
            let status = report["status"] as! Int
            let ours = DefraCorpus.Answer(
                status: status, errors: ValidationIssue.list(fromJSON: report["errors"]),
                warnings: status == 201 ? ValidationIssue.list(fromJSON: report["warnings"]) : [])
            #expect(ours == expected[id], "\(id)")
            if ours == expected[id] { agree += 1 }
        }
        #expect(run.status == 1, "some corpus bodies are invalid, so validate exits 1")
        print("validate: \(agree) of \(cases.count) corpus cases answered exactly as Defra's code")
    }

    @Test func sandboxAnswersAsDefrasCodeOverHTTP() async throws {
        let corpus = try DefraCorpus.load()
        var configuration = SandboxConfiguration()
        configuration.knownAPICodes.insert(DefraCorpus.apiCode)
        try await Sandbox.withRunning(configuration) { sandbox in
            let token = try await Self.token(sandbox)
            var agree = 0
            let cases = corpus.cases.filter { $0.serviceState == nil }
            for entry in cases {
                let (status, body) = try await Self.post(entry.bodyData, to: sandbox, token: token)
                let validation = body?["validation"] as? [String: Any]
                let ours = DefraCorpus.Answer(
                    status: status, errors: ValidationIssue.list(fromJSON: validation?["errors"]),
                    warnings: ValidationIssue.list(fromJSON: validation?["warnings"]))
                #expect(ours == entry.expected, "\(entry.id): \(body ?? [:])")
                if ours == entry.expected { agree += 1 }
                switch status {
                case 201: #expect(body?["wasteTrackingId"] is String, "\(entry.id)")
                case 500:
                    // Stored first: a resend is a second movement, which is why the relay treats it as in doubt.
                    #expect(body?["message"] as? String == "Failed to create waste movement", "\(entry.id)")
                default: break
                }
            }
            print("sandbox: \(agree) of \(cases.count) corpus cases answered exactly as Defra's code")
        }
    }

    /// The answers that depend on the service's state, as Defra's UAT suite asserts them.
    @Test func sandboxAnswersStateDependentCasesAsTheUATSuiteAsserts() async throws {
        let corpus = try DefraCorpus.load()
        let stateful = corpus.cases.filter { $0.serviceState != nil }
        #expect(Set(stateful.compactMap(\.serviceState)) == ["unknown apiCode", "payment", "authentication"])
        for entry in stateful {
            var configuration = SandboxConfiguration()
            if entry.serviceState == "payment" { configuration.unpaidAPICodes = [DefraCorpus.apiCode] }
            configuration.knownAPICodes.insert(DefraCorpus.apiCode)
            let body = entry.body
            if entry.serviceState == "unknown apiCode" { #expect(body["apiCode"] as? String != DefraCorpus.apiCode) }
            try await Sandbox.withRunning(configuration) { sandbox in
                let token = entry.serviceState == "authentication" ? "not-a-token" : try await Self.token(sandbox)
                let (status, answer) = try await Self.post(entry.bodyData, to: sandbox, token: token)
                #expect(status == entry.uat?.status, "\(entry.id)")
                let errors = ValidationIssue.list(fromJSON: (answer?["validation"] as? [String: Any])?["errors"])
                #expect(errors == entry.uat?.errors ?? [], "\(entry.id)")
                if status == 402 { #expect(answer?["error"] as? String == "Payment Required") }
            }
        }
    }

    static func post(_ body: Data, to sandbox: RunningSandbox, token: String) async throws -> (Int, [String: Any]?) {
        var request = HTTPClientRequest(url: sandbox.baseURL + "/movements/receive")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data)) as? [String: Any])
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
