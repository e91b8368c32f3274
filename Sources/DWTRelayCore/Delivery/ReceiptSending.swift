import Foundation

/// Where the sender gets bearer tokens: the OAuth2 client-credentials cache in the daemon
/// (`TokenProvider`), a model of the token endpoint in the model test.
public protocol TokenSource: Sendable {
    /// A valid token, fetched when the cached one is due.
    func token() async throws(TokenProvider.Failure) -> String
    /// Forgets a token the API answered 401 to, so that the next `token()` fetches a fresh one.
    func invalidate(_ token: String) async
    /// How many tokens were fetched so far (the sender counts refreshes in its metrics).
    var refreshCount: Int { get async }
    /// Wall-clock expiry of the cached token, for `status`.
    var expiresAt: Double? { get async }
}

/// The sender's one door to the Receipt API: a POST (no target) or a PUT (a target ID) with a token, and
/// the source of those tokens. `ReceiptClient` sends over HTTP; the model test answers from its model of
/// the service, so that its histories run the real `DeliveryWorker` (the same gates, token path, 401 resend,
/// store calls and result files as the daemon).
public protocol ReceiptSending: Sendable {
    associatedtype Tokens: TokenSource
    var tokens: Tokens { get }
    func send(payload: Data, target: String?, token: String) async throws(ReceiptClient.SendFailure)
        -> ReceiptResponse
}

extension TokenProvider: TokenSource {}
extension ReceiptClient: ReceiptSending {}
