import Crypto
import Foundation
import Synchronization

/// Browser sessions for the office page when a bearer token guards the local API (`http.token_file`, which
/// remote access requires): a person types the token once into the login form and gets a session cookie;
/// the token never goes into a URL. Sessions live in memory: a restart signs everyone out.
public final class OfficeSessions: Sendable {
    public static let cookieName = "dwt_relay_session"
    /// How long a session lasts without being used.
    static let lifetime: Double = 12 * 3600

    private let sessions = Mutex<[String: Double]>([:])
    private let wallClock: WallClock

    public init(wallClock: WallClock = .system) { self.wallClock = wallClock }

    /// A new session id.
    public func open() -> String {
        let id = OfficeActionGuard.randomToken()
        let at = wallClock()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value > at }
            sessions[id] = at + Self.lifetime
        }
        return id
    }

    /// Whether the `Cookie` header carries a live session (and keeps it alive).
    public func accepts(cookieHeader: String?) -> Bool {
        guard let id = Self.sessionID(cookieHeader) else { return false }
        let at = wallClock()
        return sessions.withLock { sessions in
            guard let expiry = sessions[id], expiry > at else { return false }
            sessions[id] = at + Self.lifetime
            return true
        }
    }

    public func close(cookieHeader: String?) {
        guard let id = Self.sessionID(cookieHeader) else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    static func sessionID(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookieName { return String(pair[1]) }
        }
        return nil
    }

    /// `Set-Cookie` for a session: not readable by scripts, never sent by another site's request.
    static func cookie(_ id: String) -> String {
        "\(cookieName)=\(id); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(Int(lifetime))"
    }

    static let clearingCookie = "\(cookieName)=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
}
