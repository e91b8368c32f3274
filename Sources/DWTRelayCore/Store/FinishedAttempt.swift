/// One delivery attempt that has ended, waiting to be recorded: which movement, what it ended in, the HTTP
/// exchange behind it (if a request was made) and the error to show operators.
public struct FinishedAttempt: Sendable {
    public var id: Int64
    public var outcome: DeliveryOutcome
    public var exchange: ExchangeRecord?
    public var lastError: String?

    public init(id: Int64, outcome: DeliveryOutcome, exchange: ExchangeRecord?, lastError: String?) {
        self.id = id
        self.outcome = outcome
        self.exchange = exchange
        self.lastError = lastError
    }
}
