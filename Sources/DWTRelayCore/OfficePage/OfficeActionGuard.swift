import Crypto
import Foundation

/// The token every office action form carries: a page from another site cannot read it (the same-origin
/// policy), so it cannot make a browser on the weighbridge PC retry or acknowledge a load. One random token per
/// daemon process; a page loaded before a restart asks to be reloaded.
public struct OfficeActionGuard: Sendable {
    public let token: String

    public init() {
        token = Self.randomToken()
    }

    /// 256 random bits as base64url without padding: safe in a form field and a cookie.
    static func randomToken() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public func accepts(_ presented: String?) -> Bool {
        guard let presented else { return false }
        return Self.sameText(presented, token)
    }

    /// Compares in constant time (for equal lengths).
    static func sameText(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The Content-Security-Policy of office pages: nothing from elsewhere, forms only to this server, and
    /// only the page's own reload script (by its hash).
    static let contentSecurityPolicy: String = {
        let script = OfficePage.reloadScript.replacingOccurrences(of: "<script>", with: "")
            .replacingOccurrences(of: "</script>", with: "")
        let hash = Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString()
        return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-\(hash)'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }()
}
