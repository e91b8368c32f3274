import Foundation

/// One SMTP submission as a value-type state machine: each reply from the server is an event, and what to do
/// next comes back as actions (the NIO handler around it only reads, writes and starts TLS). RFC 5321, with
/// STARTTLS (RFC 3207) and AUTH PLAIN (RFC 4954).
struct SMTPConversation {
    enum Action: Equatable {
        case send(String)
        /// Put TLS on the connection now; the next `send` goes over it.
        case startTLS
        case finished
        case failed(String)
    }

    private enum State {
        case greeting
        case hello(tls: Bool)
        case startingTLS
        case authenticating
        case mailFrom
        case recipient(Int)
        case data
        case message
        case quitting
        case done
    }

    let clientName: String
    let security: AlertSettings.Email.Security
    let credentials: (user: String, password: String)?
    let from: String
    let to: [String]
    let message: String
    private var state = State.greeting
    /// The server took the message (250 after its end): it is delivered even if QUIT gets no answer.
    private(set) var accepted = false

    init(
        clientName: String, security: AlertSettings.Email.Security, credentials: (user: String, password: String)?,
        from: String, to: [String], message: String
    ) {
        self.clientName = clientName
        self.security = security
        self.credentials = credentials
        self.from = from
        self.to = to
        self.message = message
    }

    /// The server's complete reply: its code and its lines (without the code).
    mutating func reply(code: Int, lines: [String]) -> [Action] {
        let text = lines.joined(separator: " ")
        func refuse(_ what: String) -> [Action] {
            state = .done
            return [.failed("the SMTP server answered \(code) \(text) to \(what)")]
        }
        switch state {
        case .greeting:
            guard code == 220 else { return refuse("the connection") }
            state = .hello(tls: security == .tls)
            return [.send("EHLO \(clientName)")]
        case .hello(let tls):
            guard code == 250 else { return refuse("EHLO") }
            let offers = Set(lines.map { $0.split(separator: " ").first.map { String($0).uppercased() } ?? "" })
            if security == .starttls && !tls {
                guard offers.contains("STARTTLS") else {
                    state = .done
                    return [
                        .failed(
                            "the SMTP server does not offer STARTTLS (alerts.smtp_tls: starttls refuses to send the "
                                + "password or the alert in plain text)")
                    ]
                }
                state = .startingTLS
                return [.send("STARTTLS")]
            }
            if let credentials {
                state = .authenticating
                let token = Data("\0\(credentials.user)\0\(credentials.password)".utf8).base64EncodedString()
                return [.send("AUTH PLAIN \(token)")]
            }
            state = .mailFrom
            return [.send("MAIL FROM:<\(from)>")]
        case .startingTLS:
            guard code == 220 else { return refuse("STARTTLS") }
            state = .hello(tls: true)
            return [.startTLS, .send("EHLO \(clientName)")]
        case .authenticating:
            // Never the command itself in the error: it carries the password.
            guard code == 235 else { return refuse("AUTH (check alerts.smtp_credentials_file)") }
            state = .mailFrom
            return [.send("MAIL FROM:<\(from)>")]
        case .mailFrom:
            guard code == 250 else { return refuse("MAIL FROM:<\(from)>") }
            state = .recipient(0)
            return [.send("RCPT TO:<\(to[0])>")]
        case .recipient(let index):
            guard code == 250 || code == 251 else { return refuse("RCPT TO:<\(to[index])>") }
            if index + 1 < to.count {
                state = .recipient(index + 1)
                return [.send("RCPT TO:<\(to[index + 1])>")]
            }
            state = .data
            return [.send("DATA")]
        case .data:
            guard code == 354 else { return refuse("DATA") }
            state = .message
            return [.send(Self.dotStuffed(message) + "\r\n.")]
        case .message:
            guard code == 250 else { return refuse("the message") }
            accepted = true
            state = .quitting
            return [.send("QUIT")]
        case .quitting:
            state = .done
            return [.finished]
        case .done:
            return []
        }
    }

    /// Lines starting with `.` get another (RFC 5321 §4.5.2); line ends are CRLF.
    static func dotStuffed(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
    }
}
