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
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

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
                response = try await http.execute(request, timeout: .seconds(30))
            } catch {
                throw AlertDeliveryError("the webhook (alerts.webhook_url) cannot be reached: \(error)")
            }
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                throw AlertDeliveryError("the webhook (alerts.webhook_url) answered \(response.status.code)")
            }
        case .email:
            guard let email = settings.email else { throw AlertDeliveryError("alerts.email_to is no longer set") }
            try await SMTPClient(settings: email).send(
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

    public init(alert: Alert, siteLabel: String, officeAddress: String?) {
        self.alert = alert
        self.siteLabel = siteLabel
        subject = "[dwt-relay \(siteLabel)] \(alert.subject)"
        var lines = alert.lineList
        if alert.count > lines.count { lines.append("... and \(alert.count - lines.count) more") }
        var footer = "Open the office page on the weighbridge PC"
        footer += officeAddress.map { " (\($0))" } ?? ""
        footer += ", or run: dwt-relay today"
        text = (lines.map { "- " + $0 } + ["", footer, "", "dwt-relay \(RelayVersion.current) on \(siteLabel)"])
            .joined(separator: "\n")
    }

    func webhookBody(_ format: AlertSettings.WebhookFormat) -> Data {
        switch format {
        case .chat:
            return Data(JSONText.encode(["text": "*\(subject)*\n\(text)"], pretty: false).utf8)
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
