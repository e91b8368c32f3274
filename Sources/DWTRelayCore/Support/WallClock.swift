import Foundation

/// The wall clock, in seconds since 1970: for what is stored and shown to people (when a movement arrived,
/// a retry time, a file's age, an alert's time). Never for pacing, waits or timeouts: those read an injected
/// monotonic `Clock` (`ElapsedSeconds`), so that an NTP step moves none of them. Injected so that a test or
/// the sender's model can set the time; `.system` everywhere else.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Double

    public init(_ read: @escaping @Sendable () -> Double) { self.read = read }

    /// The machine's clock.
    public static let system = WallClock { Date().timeIntervalSince1970 }

    public func callAsFunction() -> Double { read() }
}
