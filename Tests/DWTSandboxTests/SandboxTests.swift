import AsyncHTTPClient
import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// The sandbox on port 0, driven with a plain HTTP client as any vendor's software would.
@Suite struct SandboxTests {
    struct Answer {
        var status: Int
        var json: [String: Any]
        var headers: [String: String]
    }

    static func call(
        _ method: HTTPMethod, _ url: String, body: Data? = nil, headers: [String: String] = [:], timeout: Int64 = 10
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 22))
        var map: [String: String] = [:]
        for header in response.headers { map[header.name.lowercased()] = header.value }
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return Answer(status: Int(response.status.code), json: json, headers: map)
    }

    static func token(_ sandbox: RunningSandbox, secret: String = "sandbox-secret") async throws -> Answer {
        let basic = Data("sandbox-client:\(secret)".utf8).base64EncodedString()
        return try await call(
            .POST, sandbox.tokenURL, body: Data("grant_type=client_credentials".utf8),
            headers: ["Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded"])
    }

    static func bearer(_ sandbox: RunningSandbox) async throws -> [String: String] {
        let token = try await token(sandbox).json["access_token"] as! String
        return ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
    }

    @Test func tokenEndpointChecksCredentialsBasicOrForm() async throws {
        try await Sandbox.withRunning { sandbox in
            let good = try await Self.token(sandbox)
            #expect(good.status == 200)
            #expect((good.json["access_token"] as? String)?.isEmpty == false)
            #expect(good.json["expires_in"] as? Double == 3600 || good.json["expires_in"] as? Int == 3600)
            let bad = try await Self.token(sandbox, secret: "wrong")
            #expect(bad.status == 400)
            #expect(bad.json["error"] as? String == "invalid_client")
            let form = try await Self.call(
                .POST, sandbox.tokenURL,
                body: Data("grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret".utf8))
            #expect(form.status == 200)
        }
    }

    @Test func examplesGetTheServiceStatusClass() async throws {
        try await Sandbox.withRunning { sandbox in
            let headers = try await Self.bearer(sandbox)
            for example in try TestFixtures.examples() {
                let answer = try await Self.call(
                    .POST, sandbox.baseURL + "/movements/receive", body: example.data, headers: headers)
                #expect(answer.headers["service-charge-expiry-date"] != nil)
                if example.name.hasPrefix("error-") {
                    #expect(answer.status == 400, "\(example.name)")
                    let errors = (answer.json["validation"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []
                    #expect(
                        errors.contains {
                            $0["key"] as? String == "apiCode" && $0["errorType"] as? String == "NotProvided"
                        })
                } else {
                    #expect(answer.status == 201, "\(example.name): \(answer.json)")
                    let id = try #require(answer.json["wasteTrackingId"] as? String)
                    #expect(WasteTrackingID(id) != nil)
                    let warnings = (answer.json["validation"] as? [String: Any])?["warnings"] as? [[String: Any]] ?? []
                    #expect(example.name.hasPrefix("warning-") == !warnings.isEmpty, "\(example.name): \(warnings)")
                }
            }
        }
    }

    @Test func bearerTokenIsRequiredAndRevocable() async throws {
        try await Sandbox.withRunning { sandbox in
            let body = try TestFixtures.movement(reference: "X")
            let none = try await Self.call(.POST, sandbox.baseURL + "/movements/receive", body: body)
            #expect(none.status == 401)
            let headers = try await Self.bearer(sandbox)
            #expect(
                try await Self.call(.POST, sandbox.baseURL + "/movements/receive", body: body, headers: headers).status
                    == 201)
            await sandbox.state.revokeAllTokens()
            #expect(
                try await Self.call(.POST, sandbox.baseURL + "/movements/receive", body: body, headers: headers).status
                    == 401)
        }
    }

    @Test func unknownAPICodeIs400AndUnpaidIs402() async throws {
        var configuration = SandboxConfiguration()
        configuration.unpaidAPICodes = ["c1611aa6-e1ae-487f-9768-cb2b5e5b8afb"]
        try await Sandbox.withRunning(configuration) { sandbox in
            let headers = try await Self.bearer(sandbox)
            let unknown = try await Self.call(
                .POST, sandbox.baseURL + "/movements/receive",
                body: try TestFixtures.movement(reference: nil, apiCode: "75ff9140-8617-406e-9163-2ba4907e645b2"),
                headers: headers)
            #expect(unknown.status == 400)
            let unpaid = try await Self.call(
                .POST, sandbox.baseURL + "/movements/receive",
                body: try TestFixtures.movement(reference: nil, apiCode: "c1611aa6-e1ae-487f-9768-cb2b5e5b8afb"),
                headers: headers)
            #expect(unpaid.status == 402)
        }
    }

    @Test func faultFlagsProduceTheResponsesTheyName() async throws {
        try await Sandbox.withRunning { sandbox in
            let headers = try await Self.bearer(sandbox)
            let url = sandbox.baseURL + "/movements/receive"
            let body = try TestFixtures.movement(reference: nil)
            var faults = SandboxFaults()
            faults.errorRate = 1
            faults.errorStatuses = [503]
            await sandbox.state.setFaults(faults)
            #expect(try await Self.call(.POST, url, body: body, headers: headers).status == 503)

            faults = SandboxFaults()
            faults.rateLimitBurst = 2
            faults.retryAfterSeconds = 7
            await sandbox.state.setFaults(faults)
            let limited = try await Self.call(.POST, url, body: body, headers: headers)
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"] == "7")
            #expect(try await Self.call(.POST, url, body: body, headers: headers).status == 429)
            #expect(try await Self.call(.POST, url, body: body, headers: headers).status == 201)

            faults = SandboxFaults()
            faults.tokenEndpointDown = true
            await sandbox.state.setFaults(faults)
            #expect(try await Self.token(sandbox).status == 503)

            let before = await sandbox.state.listing().count
            faults = SandboxFaults()
            faults.dropBeforeStoreRate = 1
            await sandbox.state.setFaults(faults)
            await #expect(throws: (any Error).self) {
                _ = try await Self.call(.POST, url, body: body, headers: headers)
            }
            #expect(await sandbox.state.listing().count == before)

            faults = SandboxFaults()
            faults.dropAfterStoreRate = 1
            await sandbox.state.setFaults(faults)
            await #expect(throws: (any Error).self) {
                _ = try await Self.call(.POST, url, body: body, headers: headers)
            }
            #expect(await sandbox.state.listing().count == before + 1, "stored, but the answer was lost")

            faults = SandboxFaults()
            faults.serviceDown = true
            await sandbox.state.setFaults(faults)
            await #expect(throws: (any Error).self) {
                _ = try await Self.call(.POST, url, body: body, headers: headers)
            }

            faults = SandboxFaults()
            faults.hang = true
            await sandbox.state.setFaults(faults)
            await #expect(throws: (any Error).self) {
                _ = try await Self.call(.POST, url, body: body, headers: headers, timeout: 1)
            }

            faults = SandboxFaults()
            faults.latencyMs = 300
            await sandbox.state.setFaults(faults)
            let started = Date()
            #expect(try await Self.call(.POST, url, body: body, headers: headers).status == 201)
            #expect(Date().timeIntervalSince(started) >= 0.3)
        }
    }

    @Test func faultsCanBeSetOverHTTPAndListingCountsPostsAndPuts() async throws {
        try await Sandbox.withRunning { sandbox in
            let headers = try await Self.bearer(sandbox)
            let set = try await Self.call(
                .PUT, sandbox.baseURL + "/admin/faults", body: Data("{\"rateLimitBurst\": 1}".utf8))
            #expect(set.status == 200)
            #expect(await sandbox.state.faults.rateLimitBurst == 1)
            _ = try await Self.call(
                .POST, sandbox.baseURL + "/movements/receive", body: try TestFixtures.movement(reference: nil),
                headers: headers)
            let created = try await Self.call(
                .POST, sandbox.baseURL + "/movements/receive", body: try TestFixtures.movement(reference: "L"),
                headers: headers)
            let id = try #require(created.json["wasteTrackingId"] as? String)
            for _ in 0..<2 {
                let put = try await Self.call(
                    .PUT, sandbox.baseURL + "/movements/\(id)/receive",
                    body: try TestFixtures.movement(reference: "L"), headers: headers)
                #expect(put.status == 200)
            }
            let missing = try await Self.call(
                .PUT, sandbox.baseURL + "/movements/26NOPE00/receive",
                body: try TestFixtures.movement(reference: "L"), headers: headers)
            #expect(missing.status == 404)
            let listing = try await Self.call(.GET, sandbox.baseURL + "/admin/movements")
            let movements = try #require(listing.json["movements"] as? [[String: Any]])
            #expect(movements.count == 1)
            #expect(movements[0]["wasteTrackingId"] as? String == id)
            #expect(movements[0]["posts"] as? Int == 1)
            #expect(movements[0]["puts"] as? Int == 2)
            #expect(listing.json["unknownIdPuts"] as? Int == 1)
        }
    }

    @Test func referenceDataMatchesTheOfficialLists() async throws {
        try await Sandbox.withRunning { sandbox in
            let headers = try await Self.bearer(sandbox)
            let expected = [
                "ewc-codes": 842, "hazardous-property-codes": 16, "disposal-or-recovery-codes": 28,
                "container-types": 16, "pop-names": 31,
            ]
            for (kind, count) in expected {
                var request = HTTPClientRequest(url: sandbox.baseURL + "/reference-data/" + kind)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let list =
                    try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 22)))
                    as? [Any]
                #expect(list?.count == count, "\(kind)")
            }
        }
    }
}
