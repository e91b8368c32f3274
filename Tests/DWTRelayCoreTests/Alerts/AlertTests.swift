import DWTRelayTestSupport
import Foundation
import Logging
import Testing

@testable import DWTRelayCore

/// The alert rules, the queue in a real store, and the SMTP conversation (`scripts/alerts-test` runs the
/// binary against a real SMTP server and a webhook receiver).
@Suite struct AlertTests {
    let folder = TemporaryFolder()

    func refusal(_ id: Int64, _ file: String) -> Refusal {
        var refusal = Refusal(
            site: nil, sourceFile: file, failedPath: nil, reason: "not JSON", field: nil, refusedAt: 0,
            deadlineAt: 86_400 * 3)
        refusal.id = id
        return refusal
    }

    @Test func eachEventIsToldOnceAndHistoryIsNotNews() {
        var facts = AlertFacts(health: .warning, healthLine: "WARNING: 1 refused")
        facts.newRefusals = [refusal(7, "old.json")]
        facts.latestRefusalID = 7
        // First pass: what existed before alerts were set up is not told; the health (not OK) is.
        let first = AlertRules.evaluate(facts, cursor: nil, now: 1000)
        #expect(first.events.map(\.kind) == [.health])
        #expect(first.cursor.refusalID == 7)
        // A new refusal: told once, then not again.
        facts.newRefusals = [refusal(8, "new.json")]
        let second = AlertRules.evaluate(facts, cursor: first.cursor, now: 1010)
        #expect(second.events.map(\.subject) == ["ticket file new.json could not be read"])
        #expect(AlertRules.evaluate(facts, cursor: second.cursor, now: 1020).events.isEmpty)
        // An unpaid charge is told when it starts, and again only after it was paid in between.
        facts.unpaidAPICodes = ["code-1"]
        let unpaid = AlertRules.evaluate(facts, cursor: second.cursor, now: 1030)
        #expect(unpaid.events.map(\.kind) == [.payment])
        #expect(AlertRules.evaluate(facts, cursor: unpaid.cursor, now: 1040).events.isEmpty)
        // A charge expiring within 30 days: once per expiry date.
        facts.chargeExpiry = ["code-1": "1970-01-20"]
        let expiring = AlertRules.evaluate(facts, cursor: unpaid.cursor, now: 1050)
        #expect(expiring.events.map(\.kind) == [.chargeExpiring])
        #expect(AlertRules.evaluate(facts, cursor: expiring.cursor, now: 1060).events.isEmpty)
    }

    @Test func unsentAlertsOfAKindAreCoalescedPerChannelAndTheCursorMovesWithThem() throws {
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let alerts = AlertStore(store: store)
        let event = { (n: Int) in
            AlertEvent(kind: .refused, subject: "ticket file f\(n).json could not be read", line: "f\(n).json")
        }
        var cursor = AlertCursor()
        cursor.refusalID = 1
        try alerts.record([event(1)], channels: [.webhook, .email], cursor: cursor, now: 10)
        try alerts.markSent(try #require(alerts.due(now: 10).first { $0.channel == .email }?.id), now: 11)
        cursor.refusalID = 3
        try alerts.record([event(2), event(3)], channels: [.webhook, .email], cursor: cursor, now: 20)
        let all = try alerts.all()
        let webhook = all.filter { $0.channel == .webhook }
        #expect(webhook.count == 1, "the webhook's unsent alert took the new ones")
        #expect(webhook.first?.count == 3)
        #expect(webhook.first?.subject == "3 ticket files could not be read")
        #expect(webhook.first?.lineList == ["f1.json", "f2.json", "f3.json"])
        let email = all.filter { $0.channel == .email }.sorted { $0.id! < $1.id! }
        #expect(email.map(\.count) == [1, 2], "the sent e-mail stays as it was; the next one holds the rest")
        #expect(try alerts.cursor()?.refusalID == 3)
        // A failed send waits for its retry time.
        let id = try #require(webhook.first?.id)
        try alerts.markFailed(id, error: "down", retryAt: 100)
        #expect(try alerts.due(now: 50).allSatisfy { $0.id != id })
        #expect(try alerts.due(now: 100).contains { $0.id == id })
    }

    @Test func smtpWithStartTLSAndAuthNeverSendsThePasswordInTheClearOrInAnError() {
        var smtp = SMTPConversation(
            clientName: "pc", security: .starttls, credentials: ("user", "s3cret"), from: "a@b.uk",
            to: ["c@d.uk"], message: ".hidden line\nsecond")
        #expect(smtp.reply(code: 220, lines: ["ready"]) == [.send("EHLO pc")])
        #expect(smtp.reply(code: 250, lines: ["mail.example", "STARTTLS", "AUTH PLAIN"]) == [.send("STARTTLS")])
        #expect(smtp.reply(code: 220, lines: ["go ahead"]) == [.startTLS, .send("EHLO pc")])
        let auth = smtp.reply(code: 250, lines: ["mail.example", "AUTH PLAIN"])
        #expect(auth == [.send("AUTH PLAIN " + Data("\0user\0s3cret".utf8).base64EncodedString())])
        #expect(smtp.reply(code: 235, lines: ["ok"]) == [.send("MAIL FROM:<a@b.uk>")])
        #expect(smtp.reply(code: 250, lines: ["ok"]) == [.send("RCPT TO:<c@d.uk>")])
        #expect(smtp.reply(code: 250, lines: ["ok"]) == [.send("DATA")])
        #expect(smtp.reply(code: 354, lines: ["go"]) == [.send("..hidden line\r\nsecond\r\n.")])
        #expect(smtp.reply(code: 250, lines: ["queued"]) == [.send("QUIT")])
        #expect(smtp.accepted)

        var plain = SMTPConversation(
            clientName: "pc", security: .starttls, credentials: ("user", "s3cret"), from: "a@b.uk", to: ["c@d.uk"],
            message: "x")
        _ = plain.reply(code: 220, lines: ["ready"])
        let refused = plain.reply(code: 250, lines: ["mail.example", "AUTH PLAIN"])
        guard case .failed(let why) = refused.first else {
            Issue.record("a server without STARTTLS got \(refused)")
            return
        }
        #expect(why.contains("does not offer STARTTLS"))

        var wrong = SMTPConversation(
            clientName: "pc", security: .none, credentials: ("user", "s3cret"), from: "a@b.uk", to: ["c@d.uk"],
            message: "x")
        _ = wrong.reply(code: 220, lines: ["ready"])
        _ = wrong.reply(code: 250, lines: ["mail.example"])
        let denied = wrong.reply(code: 535, lines: ["5.7.8 authentication failed"])
        guard case .failed(let reason) = denied.first else {
            Issue.record("a refused login got \(denied)")
            return
        }
        #expect(reason.contains("535") && reason.contains("alerts.smtp_credentials_file"))
        #expect(!reason.contains("s3cret") && !reason.contains(Data("\0user\0s3cret".utf8).base64EncodedString()))
    }

    @Test func badAlertSettingsNameTheKey() throws {
        func error(_ values: [String: String]) -> String {
            do {
                _ = try AlertSettings(config: try RelayConfig(values: values), environment: [:])
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(error(["alerts.webhook_url": "ftp://x"]).contains("alerts.webhook_url"))
        #expect(error(["alerts.email_to": "office@example.com"]).contains("alerts.smtp_server"))
        #expect(error(["alerts.email_to": "not an address", "alerts.smtp_server": "m:25"]).contains("alerts.email_to"))
        #expect(error(["alerts.daily_summary_time": "7am"]).contains("alerts.daily_summary_time"))
        let credentials = folder.sub("smtp")
        FileManager.default.createFile(
            atPath: credentials, contents: Data("user\npw\n".utf8), attributes: [.posixPermissions: 0o644])
        #expect(
            error([
                "alerts.email_to": "o@example.com", "alerts.smtp_server": "m:25",
                "alerts.smtp_credentials_file": credentials,
            ]).contains("readable by every user"))
    }
}

/// Chat webhooks (Slack, Teams) get text others chose as plain text: no channel pings, no links of the
/// writer's choosing; the relay's own office link stays.
@Suite struct ChatMarkupTests {
    @Test func writerChosenTextIsInertInAChat() throws {
        let line =
            "<!channel> <http://evil.example/login|Defra sign-in>.json: not JSON; [Sign in](https://evil.example) "
            + "& @everyone"
        var alert = Alert(
            id: nil, channel: .webhook, kind: .refused, subject: "ticket file <!channel> @here.json could not be read",
            lines: AlertStore.encode([line]), count: 1, createdAt: 0, updatedAt: 0, attempts: 0, nextAttemptAt: 0,
            sentAt: nil, lastError: nil)
        alert.id = 1
        let message = AlertMessage(alert: alert, siteLabel: "Yard 1", officeAddress: "http://127.0.0.1:8787/")
        let body = try JSONSerialization.jsonObject(with: message.webhookBody(.chat)) as? [String: Any]
        let text = try #require(body?["text"] as? String)
        for active in ["<!channel>", "<http", "@here", "@everyone", "](", "https://evil", "http://evil", " & "] {
            #expect(!text.contains(active), "\(active) in \(text)")
        }
        #expect(text.contains("&lt;!channel&gt;"), "the text is still there to read: \(text)")
        #expect(text.contains("(http://127.0.0.1:8787/)"), "the office link is the relay's own")
        // The JSON format carries the text as data, unchanged.
        let json = try JSONSerialization.jsonObject(with: message.webhookBody(.json)) as? [String: Any]
        #expect((json?["lines"] as? [String])?.first?.hasPrefix("<!channel>") == true)
    }
}

/// The daily summary, from a real store.
@Suite struct DailySummaryTests {
    @Test func yesterdayIsSummarisedOnceAfterTheConfiguredTime() throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "alerts.webhook_url": "http://127.0.0.1:9/hook",
            "alerts.daily_summary_time": "07:30",
        ])
        let store = try MovementStore(path: config.databasePath)
        let today = try #require(UKTime.day(named: "2026-06-15"))
        let yesterdayNoon = today.start - 12 * 3600
        let intake = MovementIntake(config: config)
        for index in 0..<3 {
            let item = try intake.check(
                TestFixtures.movement(reference: "DAY-\(index)"), source: .inbox, sourceFile: "d\(index).json")
            _ = try store.ingest([item], now: yesterdayNoon)
        }
        let watcher = AlertWatcher(
            store: store, config: config, settings: try AlertSettings(config: config, environment: [:]),
            logger: Logger(label: "test"))
        // 07:00 BST: not yet; 07:45 BST: the summary of 2026-06-14; once summarised, not again.
        #expect(watcher.dailySummary(at: today.start + 7 * 3600, cursor: AlertCursor()) == nil)
        let summary = try #require(watcher.dailySummary(at: today.start + 7.75 * 3600, cursor: AlertCursor()))
        #expect(summary.kind == .dailySummary)
        #expect(summary.line.hasPrefix("2026-06-14: 3 loads received, 0 reported to Defra"), "\(summary.line)")
        var told = AlertCursor()
        told.summaryDay = "2026-06-14"
        #expect(watcher.dailySummary(at: today.start + 9 * 3600, cursor: told) == nil)
    }
}

/// The watcher over a real store: what it finds new, whatever is already open.
@Suite struct AlertWatermarkTests {
    let folder = TemporaryFolder()

    /// News is found by watermarks over every problem: after 500 refusals of a broken weekend, one more is
    /// still told (a page of the first 200 by deadline never showed it), and a movement rejected after a
    /// later-numbered one was is told too.
    @Test func alertsNeverGoQuietAfterManyOpenProblems() throws {
        let config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "alerts.webhook_url": "http://127.0.0.1:9/hook",
            "storage.key_file": folder.sub("key"),
        ])
        let store = try MovementStore(path: config.databasePath)
        let clock = WallClock { 1_000_000 }
        let watcher = AlertWatcher(
            store: store, config: config, settings: try AlertSettings(config: config), wallClock: clock,
            logger: Logger(label: "test"))
        try watcher.watchOnce()
        let refusals = RefusalStore(store: store)
        func refuse(_ file: String, deadline: Double) throws {
            _ = try refusals.record(
                Refusal(
                    site: nil, sourceFile: file, failedPath: nil, reason: "not JSON", field: nil, refusedAt: 1_000_000,
                    deadlineAt: deadline))
        }
        for index in 0..<500 { try refuse("weekend-\(index).json", deadline: 1_000_000 + Double(index)) }
        try watcher.watchOnce()
        let alerts = AlertStore(store: store)
        let weekend = try alerts.all(limit: 10_000).filter { $0.kind == .refused }
        #expect(weekend.map(\.count) == [500], "one alert for the weekend's 500")
        for alert in weekend { try alerts.markSent(try #require(alert.id), now: 1_000_001) }
        // The last refusal has the latest deadline: the old page of the first 200 by deadline never held it.
        try refuse("monday.json", deadline: 9_000_000)
        try watcher.watchOnce()
        let monday = try alerts.all(limit: 10_000).filter { $0.kind == .refused && $0.sentAt == nil }
        #expect(monday.count == 1 && monday.first?.count == 1, "the 501st refusal is news")
        #expect(monday.first?.lineList.first?.hasPrefix("monday.json") == true)

        // Two movements; the later-numbered one is rejected first, the earlier one after (a retry).
        let intake = MovementIntake(siteAPICode: nil, maxBytes: 1 << 20)
        var ids: [Int64] = []
        for reference in ["EARLY", "LATE"] {
            let item = try intake.check(
                try TestFixtures.movement(reference: reference), source: .submit, sourceFile: "\(reference).json")
            ids.append(try store.ingest([item])[0].id)
        }
        func rejected(_ id: Int64) throws {
            _ = try store.finish(
                id, outcome: .rejected(errorsJSON: #"[{"key":"x","errorType":"y","message":"z"}]"#), exchange: nil,
                lastError: "400", now: 1_000_000)
        }
        _ = try store.claimDue(now: 2_000_000, limit: 10)
        try rejected(ids[1])
        try watcher.watchOnce()
        try rejected(ids[0])
        try watcher.watchOnce()
        let rejections = try AlertStore(store: store).all(limit: 10_000).filter { $0.kind == .rejected }
            .flatMap(\.lineList)
        #expect(rejections.contains { $0.contains("EARLY") }, "\(rejections)")
        #expect(rejections.contains { $0.contains("LATE") }, "\(rejections)")
        #expect(rejections.count == 2, "each told once: \(rejections)")
    }
}
