import AsyncHTTPClient
import DWTRelayTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

@testable import DWTRelayCore

/// The daemon's loopback API over real HTTP.
@Suite(.serialized) struct LocalAPITests {
    struct Answer {
        var status: Int
        var text: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
    }

    static func call(_ method: HTTPMethod, _ url: String, body: Data? = nil, token: String? = nil) async throws
        -> Answer
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 24))
        return Answer(status: Int(response.status.code), text: String(decoding: data, as: UTF8.self))
    }

    /// The local writers' token the daemon keeps in the results folder.
    static func writerToken(_ harness: RelayHarness) throws -> String {
        let path = WriterToken.path(config: harness.config)
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func submitInspectStatusHealthAndMetrics() async throws {
        let port = freeLoopbackPort()
        try await RelayHarness.run(config: ["http.listen": "127.0.0.1:\(port)"]) { harness in
            let base = "http://127.0.0.1:\(port)"
            #expect(await eventually { (try? await Self.call(.GET, base + "/healthz").status) == 200 })
            let token = try Self.writerToken(harness)
            let created = try await Self.call(
                .POST, base + "/v1/movements", body: TestFixtures.movement(reference: "API-1"), token: token)
            #expect(created.status == 202)
            let id = try #require(created.object["id"] as? Int)
            #expect(await eventually { (try? harness.store.movement(Int64(id))?.state) == .accepted })
            let shown = try await Self.call(.GET, base + "/v1/movements/\(id)", token: token)
            #expect(shown.object["state"] as? String == "accepted")
            #expect((shown.object["events"] as? [Any])?.isEmpty == false)
            let listed = try await Self.call(.GET, base + "/v1/movements?state=accepted")
            #expect((listed.json as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
            let status = try await Self.call(.GET, base + "/v1/status")
            #expect((status.object["counts"] as? [String: Int])?["accepted"] == 1)
            #expect((status.object["daemon"] as? [String: Any])?["running"] as? Bool == true)
            let metrics = try await Self.call(.GET, base + "/metrics")
            #expect(metrics.text.contains(#"dwt_relay_movements{state="accepted"} 1"#), "\(metrics.text)")
            #expect(metrics.text.contains(#"dwt_relay_deliveries_total{class="2xx"} 1"#))
            #expect(metrics.text.contains("dwt_relay_request_duration_seconds_bucket"))
            #expect(metrics.text.contains("dwt_relay_token_refreshes_total 1"))
            #expect(metrics.text.contains("dwt_relay_last_success_timestamp_seconds"))
            #expect(metrics.text.contains("dwt_relay_health 0"), "one series per status fact")
            #expect(metrics.text.contains(#"dwt_relay_held{reason="payment"} 0"#))
            #expect(metrics.text.contains(#"dwt_relay_build_info{version="\#(RelayVersion.current)"} 1"#))
            let types = metrics.text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
            let helps = metrics.text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }
            #expect(!types.isEmpty && types.count == helps.count, "every series has HELP: \(metrics.text)")
            try Self.promtoolCheck(metrics.text)
        }
    }

    /// Prometheus' own linter on what /metrics serves (`.ci/run` installs Debian's `prometheus` for it).
    static func promtoolCheck(_ text: String) throws {
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let promtool else {
            withKnownIssue("promtool is not installed here (apt-get install prometheus); CI runs it") {
                Issue.record("promtool missing")
            }
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool check metrics: \(report)")
    }

    @Test func badRequestsGetClearFourHundreds() async throws {
        let port = freeLoopbackPort()
        try await RelayHarness.run(config: ["http.listen": "127.0.0.1:\(port)", "intake.max_file_bytes": "4096"]) {
            harness in
            let base = "http://127.0.0.1:\(port)"
            #expect(await eventually { (try? await Self.call(.GET, base + "/healthz").status) == 200 })
            let token = try Self.writerToken(harness)
            let malformed = try await Self.call(
                .POST, base + "/v1/movements", body: Data("{not json".utf8), token: token)
            #expect(malformed.status == 400)
            #expect((malformed.object["error"] as? String)?.contains("not valid JSON") == true)
            let noCode = try await Self.call(.POST, base + "/v1/movements", body: Data("{}".utf8), token: token)
            #expect(noCode.status == 400)
            #expect(noCode.object["field"] as? String == "apiCode")
            let huge = try await Self.call(
                .POST, base + "/v1/movements", body: Data(repeating: 0x20, count: 10_000), token: token)
            #expect(huge.status == 413)
            #expect(try await Self.call(.GET, base + "/v1/nothing").status == 404)
            #expect(try await Self.call(.GET, base + "/v1/movements/999", token: token).status == 404)
            #expect(try await Self.call(.GET, base + "/v1/movements?state=lost").status == 400)
            #expect(try harness.store.list().isEmpty)
        }
    }

    @Test func tokenIsRequiredWhenConfigured() async throws {
        let port = freeLoopbackPort()
        let folder = TemporaryFolder()
        FileManager.default.createFile(
            atPath: folder.sub("api-token"), contents: Data("local-token-0123456789abcdef0123456789\n".utf8),
            attributes: [.posixPermissions: 0o600])
        try await RelayHarness.run(config: [
            "http.listen": "127.0.0.1:\(port)", "http.token_file": folder.sub("api-token"),
        ]) { (_: RelayHarness) async throws in
            let base = "http://127.0.0.1:\(port)"
            #expect(
                await eventually {
                    (try? await Self.call(.GET, base + "/healthz", token: "local-token-0123456789abcdef0123456789")
                        .status) == 200
                }
            )
            #expect(try await Self.call(.GET, base + "/v1/status").status == 401)
            #expect(try await Self.call(.GET, base + "/v1/status", token: "wrong").status == 401)
        }
    }

    @Test func remoteAddressIsRefusedUnlessAllowedWithAToken() throws {
        let plain = try RelayConfig(values: [:])
        #expect(throws: ConfigError.self) { try LocalAPI.address("0.0.0.0:8787", config: plain) }
        #expect(try LocalAPI.address("[::1]:8787", config: plain).host == "::1")
        let allowed = try RelayConfig(values: [
            "http.allow_remote": "true", "http.token_file": "/etc/dwt-relay/api-token",
        ])
        #expect(try LocalAPI.address("0.0.0.0:8787", config: allowed).port == 8787)
    }

    @Test func webPagesCannotFileOrReadMovements() async throws {
        let port = freeLoopbackPort()
        try await RelayHarness.run(config: ["http.listen": "127.0.0.1:\(port)"]) { harness in
            let base = "http://127.0.0.1:\(port)"
            #expect(await eventually { (try? await Self.call(.GET, base + "/healthz").status) == 200 })
            func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)], body: Data? = nil)
                async throws -> Int
            {
                var request = HTTPClientRequest(url: base + path)
                request.method = method
                for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
                if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
                return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(20)).status.code)
            }
            let body = try TestFixtures.movement(reference: "FORGED-1")
            // What a page on another site can send without a preflight: a text/plain POST with its Origin.
            let forged = try await send(
                .POST, "/v1/movements", headers: [("Content-Type", "text/plain"), ("Origin", "http://evil.example")],
                body: body)
            #expect(forged == 403)
            let noType = try await send(.POST, "/v1/movements", headers: [], body: body)
            #expect(noType == 403, "a POST must be JSON")
            // DNS rebinding: the page's own name now points at 127.0.0.1, so the browser sends its Host.
            let rebound = try await send(.GET, "/v1/movements", headers: [("Host", "evil.example:\(port)")])
            #expect(rebound == 403)
            let crossSite = try await send(.GET, "/v1/movements", headers: [("Sec-Fetch-Site", "cross-site")])
            #expect(crossSite == 403)
            #expect(try harness.store.list().isEmpty, "nothing was filed")
            // Any local user can reach loopback: filing needs the writers' token, and so do a movement's details.
            let anyone = try await send(
                .POST, "/v1/movements", headers: [("Content-Type", "application/json")], body: body)
            #expect(anyone == 401, "a local user outside dwt-relay-writers cannot file")
            #expect(try await send(.GET, "/v1/movements/1", headers: []) == 401)
            #expect(try await send(.GET, "/v1/movements", headers: []) == 200, "the list is metadata")
            #expect(try harness.store.list().isEmpty, "nothing was filed")
            let path = WriterToken.path(config: harness.config)
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o640, "owner and group only")
            let local = try await send(
                .POST, "/v1/movements",
                headers: [
                    ("Content-Type", "application/json"), ("Authorization", "Bearer \(try Self.writerToken(harness))"),
                ],
                body: body)
            #expect(local == 202, "a writer posting JSON with the token is welcome")
        }
    }

    @Test func bearerSchemeIsCaseInsensitive() {
        #expect(BearerTokenMiddleware.presentedToken("bearer abc") == "abc")
        #expect(BearerTokenMiddleware.presentedToken("Bearer abc") == "abc")
        #expect(BearerTokenMiddleware.presentedToken("Basic abc") == nil)
    }

    @Test func burstOfRequestsLosesNothing() async throws {
        let port = freeLoopbackPort()
        try await RelayHarness.run(config: ["http.listen": "127.0.0.1:\(port)", "delivery.concurrency": "8"]) {
            harness in
            let base = "http://127.0.0.1:\(port)"
            #expect(await eventually { (try? await Self.call(.GET, base + "/healthz").status) == 200 })
            let token = try Self.writerToken(harness)
            let count = 2000
            let ids = try await withThrowingTaskGroup(of: [Int].self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        var ids: [Int] = []
                        for index in stride(from: lane, to: count, by: 16) {
                            let answer = try await Self.call(
                                .POST, base + "/v1/movements",
                                body: TestFixtures.movement(reference: "BURST-\(index)"), token: token)
                            if answer.status == 202, let id = answer.object["id"] as? Int { ids.append(id) }
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(ids.count == count)
            #expect(Set(ids).count == count)
            #expect(await eventually(timeout: 120) { (try? harness.store.counts()[.accepted]) == count })
            #expect(await harness.sandbox.state.listing().count == count)
        }
    }
}
