import HTTPTypes
import Hummingbird

/// Keeps web pages out of the local API. Any page open in a browser on the weighbridge PC can send requests
/// to 127.0.0.1: a `text/plain` POST needs no CORS preflight, and DNS rebinding makes a hostile name resolve
/// to loopback so that even reads become "same-origin". So, unless a bearer token guards the API:
/// - the `Host` must be a loopback name or address (a rebound name is not);
/// - a request a browser marks as coming from another origin (`Origin`, `Sec-Fetch-Site`) is refused;
/// - a POST must say `Content-Type: application/json` (which a page cannot send without a preflight, and
///   the API answers no preflight), except the office page's own forms under `/office/`, which carry its
///   action token (`OfficeActionGuard`).
struct BrowserGuardMiddleware: RouterMiddleware {
    typealias Context = LocalAPIContext
    /// With a token every request is authenticated anyway; remote access then needs any Host.
    let tokenRequired: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let refusal = Self.refusal(
            host: request.head.authority, origin: request.headers[.origin],
            fetchSite: request.headers[HTTPField.Name("Sec-Fetch-Site")!], method: request.method,
            contentType: request.headers[.contentType], tokenRequired: tokenRequired, path: request.uri.path)
        {
            return LocalAPI.json(.forbidden, encoding: ErrorBody(refusal))
        }
        return try await next(request, context)
    }

    /// Why a request is refused, or nil. Pure, for tests.
    static func refusal(
        host: String?, origin: String?, fetchSite: String?, method: HTTPRequest.Method, contentType: String?,
        tokenRequired: Bool, path: String = ""
    ) -> String? {
        if !tokenRequired {
            guard let host, isLoopback(hostName(host)) else {
                return "Host \"\(host ?? "")\" is not a loopback address; the local API answers local callers only"
            }
            if let origin, origin != "null" {
                guard let originHost = origin.split(separator: "/").dropFirst(1).first.map(String.init),
                    originHost.lowercased() == host.lowercased()
                else { return "cross-origin request from \(origin) refused" }
            } else if origin == "null" {
                return "request from an opaque origin refused"
            }
        }
        if let fetchSite, fetchSite != "same-origin" && fetchSite != "none" {
            return "cross-site request refused (Sec-Fetch-Site: \(fetchSite))"
        }
        if method == .post {
            let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            // The office page's forms: same-origin by the checks above, and carrying the page's action token.
            if (path.hasPrefix("/office/") || path == "/login") && type == "application/x-www-form-urlencoded" {
                return nil
            }
            guard type == "application/json" else {
                return "POST needs Content-Type: application/json (got \(contentType ?? "none"))"
            }
        }
        return nil
    }

    static func hostName(_ host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<end])
        }
        if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1 {
            return String(host[..<colon])
        }
        return host
    }

    static func isLoopback(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower == "localhost" || lower == "::1" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
