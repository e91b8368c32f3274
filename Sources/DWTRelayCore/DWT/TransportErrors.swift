import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Classifies transport failures: did the request possibly reach the service?
///
/// POST is not idempotent, so this decides between "resend freely" and "resend, flagged possibleDuplicate".
/// Only failures that happen before a request can leave (connect, DNS, TLS handshake, no pooled
/// connection) are safe; anything else is treated as in doubt.
public enum TransportErrors {
    public static func requestNeverLeft(_ error: Error) -> Bool {
        if let error = error as? HTTPClientError {
            return [
                .connectTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout,
                .getConnectionFromPoolTimeout, .invalidURL, .emptyHost, .emptyScheme, .proxyAuthenticationRequired,
                .invalidProxyResponse, .alreadyShutdown,
            ].contains(error)
        }
        if error is NIOConnectionError { return true }
        if error is NIOSSLError || error is BoringSSLError { return true }
        if let error = error as? IOError {
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }

    /// A readable one-line description, with certificate problems spelt out.
    public static func describe(_ error: Error) -> String {
        if let error = error as? NIOSSLError {
            return "TLS handshake failed (certificate not trusted? set api.ca_file): \(error)"
        }
        if error is BoringSSLError { return "TLS error: \(error)" }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first {
                return "cannot connect to \(error.host):\(error.port): \(first.error)"
            }
            return "cannot connect to \(error.host):\(error.port) (DNS: \(error.dnsAError.map { "\($0)" } ?? "ok"))"
        }
        if let error = error as? HTTPClientError { return "HTTP client: \(error)" }
        return "\(error)"
    }
}
