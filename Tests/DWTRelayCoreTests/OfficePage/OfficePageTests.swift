import AsyncHTTPClient
import DWTRelayTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

@testable import DWTRelayCore

/// The office page over real HTTP from the daemon's local server (the browser test, `scripts/office-page-test`,
/// drives it in Chromium): what it shows, escaping, and who may act.
@Suite(.serialized) struct OfficePageTests {
    static func call(
        _ method: HTTPMethod, _ url: String, form: String? = nil, headers: [(String, String)] = []
    ) async throws -> (status: Int, text: String, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        // Redirects are not followed: the test looks at the 303 itself.
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        do {
            let response = try await client.execute(request, timeout: .seconds(20))
            let data = Data(buffer: try await response.body.collect(upTo: 1 << 24))
            try await client.shutdown()
            return (Int(response.status.code), String(decoding: data, as: UTF8.self), response.headers)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Signs in as a member of the writers' group would: with the office token the daemon keeps for them.
    static func signIn(_ base: String, _ harness: RelayHarness) async throws -> String {
        let writers = try String(contentsOfFile: harness.config.results + "/.dwt-relay-api-token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let signedIn = try await call(.POST, base + "/login", form: "token=\(writers)")
        #expect(signedIn.status == 303, "\(signedIn.text)")
        return String(try #require(signedIn.headers["Set-Cookie"].first).prefix { $0 != ";" })
    }

    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aRefusedFileComesFirstEscapedAndIsAcknowledgedOnlyWithThePagesToken() async throws {
        let port = freeLoopbackPort()
        try await RelayHarness.run(config: ["http.listen": "127.0.0.1:\(port)"]) { harness in
            let base = "http://127.0.0.1:\(port)"
            try Data("{ not json".utf8).write(to: URL(fileURLWithPath: harness.config.inbox + "/<i>bad&amp.json"))
            try TestFixtures.movement(reference: "OFFICE-1").write(
                to: URL(fileURLWithPath: harness.config.inbox + "/good.json"))
            #expect(await eventually { (try? harness.store.counts()[.accepted]) == 1 })
            #expect(await eventually { (try? RefusalStore(store: harness.store).list().count) == 1 })

            // Anyone on the PC: counts and states, no forms, a way to sign in.
            let anyone = try await Self.call(.GET, base + "/")
            #expect(anyone.status == 200 && anyone.text.contains("Sign in</a> to see"))
            #expect(Self.csrf(in: anyone.text) == nil, "no action form for a viewer who is not signed in")
            let signedIn = try await Self.signIn(base, harness)
            let page = try await Self.call(.GET, base + "/", headers: [("Cookie", signedIn)])
            #expect(page.status == 200)
            #expect(page.headers["Content-Type"].first == "text/html; charset=utf-8")
            #expect(page.headers["Content-Security-Policy"].first?.contains("default-src 'none'") == true)
            #expect(page.text.contains("Ticket file &lt;i&gt;bad&amp;amp.json could not be read"), "\(page.text)")
            #expect(!page.text.contains("<i>bad"), "a file name is text, never markup")
            let attention = try #require(page.text.range(of: "Needs attention"))
            let loads = try #require(page.text.range(of: "Loads received"))
            #expect(attention.lowerBound < loads.lowerBound)
            let accepted = try #require(try harness.store.list(state: .accepted).first?.wasteTrackingId)
            #expect(page.text.contains(">good.json</a></td><td>OFFICE-1</td>"))
            #expect(page.text.contains("<td class=\"wtid\">\(accepted)</td>"))

            let refusal = try #require(try RefusalStore(store: harness.store).list().first)
            let token = try #require(Self.csrf(in: page.text))
            let form = "id=\(refusal.handle)&date="
            let cookie = ("Cookie", signedIn)
            // No token, a wrong token, another site's page, no session: nothing changes.
            #expect(
                try await Self.call(.POST, base + "/office/acknowledge", form: form, headers: [cookie]).status == 403)
            #expect(
                try await Self.call(.POST, base + "/office/acknowledge", form: form + "&csrf=x", headers: [cookie])
                    .status == 403)
            #expect(
                try await Self.call(.POST, base + "/office/acknowledge", form: form + "&csrf=\(token)").status == 401)
            let crossSite = try await Self.call(
                .POST, base + "/office/acknowledge", form: form + "&csrf=\(token)",
                headers: [("Origin", "http://evil.example"), ("Sec-Fetch-Site", "cross-site"), cookie])
            #expect(crossSite.status == 403)
            #expect(try RefusalStore(store: harness.store).list(openOnly: true).count == 1)
            // The page's own form: acknowledged, and the browser is sent back to the page.
            let done = try await Self.call(
                .POST, base + "/office/acknowledge", form: form + "&csrf=\(token)",
                headers: [("Origin", base), ("Sec-Fetch-Site", "same-origin"), cookie])
            #expect(done.status == 303, "\(done.text)")
            #expect(done.headers["Location"].first?.hasSuffix("done=acknowledged") == true)
            #expect(try RefusalStore(store: harness.store).list(openOnly: true).isEmpty)
            let after = try await Self.call(
                .GET, base + "/?date=\(UKTime.day(containing: Date().timeIntervalSince1970).label)&done=acknowledged",
                headers: [cookie])
            #expect(after.text.contains("Marked as dealt with."))
            #expect(after.text.contains("Nothing needs attention."))

            // `dwt-relay today` says the same in a terminal.
            let configPath = try RelayProcess.writeConfig(harness.config, in: harness.folder, name: "today.yaml")
            let today = try await RelayProcess.run(["today", "--config", configPath])
            #expect(today.status == 0, "\(today.err)")
            #expect(today.out.contains("NEEDS ATTENTION: nothing"), "\(today.out)")
            let row = today.out.split(separator: "\n").first { $0.contains("good.json") }.map(String.init) ?? ""
            #expect(row.contains("OFFICE-1") && row.contains("reported") && row.contains(accepted), "\(today.out)")

            #expect(try await Self.call(.GET, base + "/movements/1").status == 303, "details need a session")
            let movement = try await Self.call(.GET, base + "/movements/1", headers: [cookie])
            #expect(movement.status == 200)
            #expect(movement.text.contains("History"))
            #expect(try await Self.call(.GET, base + "/?date=2026-02-30").status == 400)
        }
    }

    /// With `http.token_file` (as remote access requires), a browser signs in once with the token and gets a
    /// session cookie; the token is never in a URL and the API stays bearer-only.
    @Test func withATokenTheBrowserSignsInOnceAndTheAPIStaysBearerOnly() async throws {
        let port = freeLoopbackPort()
        let folder = TemporaryFolder()
        FileManager.default.createFile(
            atPath: folder.sub("api-token"), contents: Data("office-token-5b1e-0123456789abcdef01234567\n".utf8),
            attributes: [.posixPermissions: 0o600])
        try await RelayHarness.run(config: [
            "http.listen": "127.0.0.1:\(port)", "http.token_file": folder.sub("api-token"),
        ]) { (_: RelayHarness) async throws in
            let base = "http://127.0.0.1:\(port)"
            #expect(await eventually { (try? await Self.call(.GET, base + "/login").status) == 200 })
            let away = try await Self.call(.GET, base + "/")
            #expect(away.status == 303 && away.headers["Location"].first == "/login")
            let wrong = try await Self.call(.POST, base + "/login", form: "token=guess")
            #expect(wrong.status == 401 && wrong.text.contains("That is not the token"))
            #expect(wrong.headers["Set-Cookie"].isEmpty)
            try await Task.sleep(for: .milliseconds(1100))  // a wrong token shuts the form for a second
            let signedIn = try await Self.call(
                .POST, base + "/login", form: "token=office-token-5b1e-0123456789abcdef01234567")
            #expect(signedIn.status == 303 && signedIn.headers["Location"].first == "/")
            let cookie = try #require(signedIn.headers["Set-Cookie"].first)
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            #expect(
                !cookie.contains("office-token-5b1e-0123456789abcdef01234567"), "the cookie is a session, not the token"
            )
            let session = String(cookie.prefix { $0 != ";" })
            let page = try await Self.call(.GET, base + "/", headers: [("Cookie", session)])
            #expect(page.status == 200 && page.text.contains("Sign out"))
            // The session opens the page, not the API.
            #expect(try await Self.call(.GET, base + "/v1/status", headers: [("Cookie", session)]).status == 401)
            let token = try #require(Self.csrf(in: page.text))
            let out = try await Self.call(
                .POST, base + "/office/logout", form: "csrf=\(token)", headers: [("Cookie", session)])
            #expect(out.status == 303 && out.headers["Location"].first == "/login")
            #expect(try await Self.call(.GET, base + "/", headers: [("Cookie", session)]).status == 303)
        }
    }

    @Test func daysFollowUKClocksAndDeadlinesReadAsPeopleSayThem() throws {
        // 2026-03-29: the clocks go forward (23 hours); 2026-10-25: back (25 hours).
        let spring = try #require(UKTime.day(named: "2026-03-29"))
        #expect(spring.end - spring.start == 23 * 3600)
        let autumn = try #require(UKTime.day(named: "2026-10-25"))
        #expect(autumn.end - autumn.start == 25 * 3600)
        let june = try #require(UKTime.day(named: "2026-06-15"))
        #expect(UKTime.minute(june.start) == "2026-06-15 00:00 BST")
        #expect(UKTime.deadline(june.start) == "the end of 2026-06-14")
        #expect(UKTime.minute(UKTime.day(named: "2026-12-01")!.start + 3600) == "2026-12-01 01:00 GMT")
        #expect(UKTime.day(named: "2026-13-01") == nil)
        #expect(UKTime.day(named: "yesterday") == nil)
    }

    @Test func severalSitesGetALineEachWithTheHealthFacts() throws {
        var view = OfficeDay(
            day: UKTime.day(containing: 0), health: .ok, healthLine: "OK: 0 queued", problemLines: [],
            problems: OfficeProblems(), loads: [], builtAt: 0)
        view.facts = [("Last reported", "2026-11-29 10:00 GMT"), ("Service charge paid until", "2027-03-31")]
        view.sites = [("north", ["accepted": 4, "queued": 1]), ("south <b>", ["held": 2])]
        let page = OfficePage.today(view, csrf: "t")
        #expect(page.contains("<dt>Service charge paid until</dt><dd>2027-03-31</dd>"))
        #expect(page.contains("<tr><td>north</td><td>4</td><td>1</td><td>0</td><td>0</td></tr>"))
        #expect(page.contains("<tr><td>south &lt;b&gt;</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>"))
    }

    @Test func aLoadIsSummarisedAsTheOfficeWritesIt() throws {
        let body = try JSONSerialization.data(withJSONObject: [
            "carrier": ["organisationName": "Haulage & Sons", "vehicleRegistration": "AB12 CDE"],
            "wasteItems": [
                ["ewcCodes": ["170101", "170904"], "weight": ["metric": "Tonnes", "amount": 1.25]],
                ["ewcCodes": ["170101"], "weight": ["metric": "Tonnes", "amount": 2]],
                ["ewcCodes": ["150110"], "weight": ["metric": "Kilograms", "amount": 40]],
            ],
        ])
        let summary = try #require(LoadSummary(payload: body))
        #expect(summary.vehicleRegistration == "AB12 CDE")
        #expect(summary.carrier == "Haulage & Sons")
        #expect(summary.ewcCodes == ["17 01 01", "17 09 04", "15 01 10"])
        #expect(summary.weight == "3.25 t + 40 kg")
        #expect(LoadSummary(payload: Data("sealed".utf8)) == nil)
    }
}
