import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one e-mail over SMTP with SwiftNIO: `SMTPConversation` decides, this only reads, writes and starts
/// TLS. One connection per message (alerts are few).
struct SMTPClient: Sendable {
    let settings: AlertSettings.Email
    var timeout: TimeAmount = .seconds(30)

    func send(subject: String, body: String, clientName: String) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        let context = try NIOSSLContext(configuration: tls)
        let message = SMTPMessage.render(
            from: settings.from, to: settings.to, subject: subject, body: body, now: Date())
        let conversation = SMTPConversation(
            clientName: clientName, security: settings.security, credentials: settings.credentials,
            from: settings.from, to: settings.to, message: message)
        let host = settings.host
        let implicitTLS = settings.security == .tls
        let outcome = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: Self.sniName(host)))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        SMTPClientHandler(
                            conversation: conversation, tlsContext: context, host: host, outcome: outcome))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: settings.port).get()
        } catch {
            outcome.fail(error)
            if Task.isCancelled { throw CancellationError() }
            throw AlertDeliveryError("cannot connect to \(host):\(settings.port) (alerts.smtp_server): \(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            outcome.fail(
                AlertDeliveryError(
                    "the SMTP server \(host) did not finish within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            // A stop cancels the conversation at once instead of waiting out a server that does not answer.
            try await withTaskCancellationHandler {
                try await outcome.futureResult.get()
            } onCancel: {
                outcome.fail(CancellationError())
                channel.close(promise: nil)
            }
        } catch let error as AlertDeliveryError {
            throw error
        } catch {
            throw AlertDeliveryError("SMTP with \(host):\(settings.port) failed: \(error)")
        }
    }

    /// A host name for TLS SNI; nil for an IP address (SNI must not carry one).
    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }
}

struct AlertDeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads replies line by line (a multi-line reply ends at the line whose code is followed by a space) and
/// runs the conversation's actions.
final class SMTPClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var conversation: SMTPConversation
    private let tlsContext: NIOSSLContext
    private let host: String
    private let outcome: EventLoopPromise<Void>
    private var buffer = ""
    private var replyLines: [String] = []
    private var completed = false

    init(conversation: SMTPConversation, tlsContext: NIOSSLContext, host: String, outcome: EventLoopPromise<Void>) {
        self.conversation = conversation
        self.tlsContext = tlsContext
        self.host = host
        self.outcome = outcome
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readString(length: bytes.readableBytes) ?? ""
        while let end = buffer.range(of: "\r\n") {
            let line = String(buffer[..<end.lowerBound])
            buffer.removeSubrange(..<end.upperBound)
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                finish(
                    context, AlertDeliveryError("the SMTP server sent a line that is not a reply: \(line.prefix(80))"))
                return
            }
            replyLines.append(String(line.dropFirst(4)))
            guard line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" else { continue }
            let lines = replyLines
            replyLines = []
            for action in conversation.reply(code: code, lines: lines) {
                switch action {
                case .send(let command):
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: command + "\r\n")), promise: nil)
                case .startTLS:
                    do {
                        let handler = try NIOSSLClientHandler(
                            context: tlsContext, serverHostname: SMTPClient.sniName(host))
                        try context.pipeline.syncOperations.addHandler(handler, position: .first)
                    } catch {
                        finish(context, AlertDeliveryError("cannot start TLS with \(host): \(error)"))
                        return
                    }
                case .finished:
                    finish(context, nil)
                case .failed(let why):
                    finish(context, AlertDeliveryError(why))
                    return
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(
            context,
            AlertDeliveryError(
                "SMTP with \(host) failed: \(error) (a certificate the PC does not trust? set alerts.smtp_ca_file)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A server that closes after taking the message, without answering QUIT, delivered it.
        complete(
            conversation.accepted
                ? nil : AlertDeliveryError("the SMTP server \(host) closed the connection before the message was taken")
        )
        context.fireChannelInactive()
    }

    private func finish(_ context: ChannelHandlerContext, _ error: Error?) {
        complete(error)
        context.close(promise: nil)
    }

    /// The first outcome wins (a close follows every finish).
    private func complete(_ error: Error?) {
        guard !completed else { return }
        completed = true
        if let error { outcome.fail(error) } else { outcome.succeed(()) }
    }
}

/// An alert as an RFC 5322 message: UTF-8 text in base64, the subject encoded when it is not ASCII.
enum SMTPMessage {
    static func render(from: String, to: [String], subject: String, body: String, now: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let encodedSubject =
            subject.allSatisfy { $0.isASCII && !$0.isNewline }
            ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let text = Data(body.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        return [
            "From: dwt-relay <\(from)>", "To: \(to.joined(separator: ", "))", "Subject: \(encodedSubject)",
            "Date: \(formatter.string(from: now))", "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated", "", text,
        ].joined(separator: "\r\n")
    }
}
