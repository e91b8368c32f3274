import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Puts one alert on one channel: a webhook POST or an e-mail. Secrets never go into an alert; the text is
/// what `AlertMessage` renders.
public struct AlertDelivery: Sendable {
    let settings: AlertSettings
    let http: HTTPClient

    public init(settings: AlertSettings) {
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(Self.deadlineSeconds))
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Each send ends within this, well inside systemd's stop budget (TimeoutStopSec=30s); a stop cancels it
    /// sooner.
    static let deadlineSeconds: Int64 = 15

    public func shutdown() async { try? await http.shutdown() }

    /// Throws with a reason a person can act on (which channel, which setting, what the other side said).
    public func send(_ alert: Alert, officeAddress: String?) async throws {
        let message = AlertMessage(alert: alert, siteLabel: settings.siteLabel, officeAddress: officeAddress)
        switch alert.channel {
        case .webhook:
            guard let webhook = settings.webhook else {
                throw AlertDeliveryError("alerts.webhook_url is no longer set")
            }
            var request = HTTPClientRequest(url: webhook.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "dwt-relay/\(RelayVersion.current)")
            request.body = .bytes(ByteBuffer(data: message.webhookBody(webhook.format)))
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(Self.deadlineSeconds))
            } catch {
                throw AlertDeliveryError("the webhook (alerts.webhook_url) cannot be reached: \(error)")
            }
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                throw AlertDeliveryError("the webhook (alerts.webhook_url) answered \(response.status.code)")
            }
        case .email:
            guard let email = settings.email else { throw AlertDeliveryError("alerts.email_to is no longer set") }
            try await SMTPClient(settings: email, timeout: .seconds(Self.deadlineSeconds)).send(
                subject: message.subject, body: message.text, clientName: ProcessInfo.processInfo.hostName)
        }
    }
}

/// An alert as people read it: the subject with the site, the events one per line, what to open.
public struct AlertMessage: Sendable {
    public var subject: String
    public var text: String
    let alert: Alert
    let siteLabel: String
    /// The events, one per line: text others chose (file names, Defra's messages, references).
    let lines: [String]
    /// What to open and who sent it: the relay's own words.
    let footer: [String]

    public init(alert: Alert, siteLabel: String, officeAddress: String?) {
        self.alert = alert
        self.siteLabel = siteLabel
        subject = "[dwt-relay \(siteLabel)] \(alert.subject)"
        var lines = alert.lineList
        if alert.count > lines.count { lines.append("... and \(alert.count - lines.count) more") }
        var open = "Open the office page on the weighbridge PC"
        open += officeAddress.map { " (\($0))" } ?? ""
        open += ", or run: dwt-relay today"
        self.lines = lines.map { "- " + $0 }
        footer = ["", open, "", "dwt-relay \(RelayVersion.current) on \(siteLabel)"]
        text = (self.lines + footer).joined(separator: "\n")
    }

    func webhookBody(_ format: AlertSettings.WebhookFormat) -> Data {
        switch format {
        case .chat:
            let escaped = ChatMarkup.plain
            let body = (lines.map(escaped) + footer).joined(separator: "\n")
            return Data(JSONText.encode(["text": "*\(escaped(subject))*\n\(body)"], pretty: false).utf8)
        case .json:
            return Data(
                JSONText.encode(
                    [
                        "site": siteLabel, "kind": alert.kind.rawValue, "subject": alert.subject,
                        "count": alert.count, "lines": alert.lineList, "text": text,
                        "at": ISO8601.string(alert.createdAt), "id": alert.id ?? 0,
                    ], pretty: false
                ).utf8)
        }
    }
}

/// Text that a chat (Slack's mrkdwn, Microsoft Teams' markdown) shows as written and never acts on.
///
/// A file name is chosen by whoever writes to the inbox: `<!channel> <http://x|Defra sign-in>.json` pinged a
/// whole channel and rendered a link of the writer's choosing. Slack's control characters are escaped as its
/// documentation asks (`&`, `<`, `>`), mentions are broken with a word joiner, and markdown links and bare
/// URLs with a zero-width space, so what people read is the same text, inert.
enum ChatMarkup {
    nonisolated(unsafe) static let mention = try! NSRegularExpression(
        pattern: "@(channel|here|everyone|all)\\b", options: [.caseInsensitive])

    static func plain(_ text: String) -> String {
        var out = text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "](", with: "]\u{200B}(")
            .replacingOccurrences(of: "://", with: ":\u{200B}//")
        let range = NSRange(out.startIndex..., in: out)
        out = mention.stringByReplacingMatches(in: out, range: range, withTemplate: "@\u{2060}$1")
        return out
    }
}
