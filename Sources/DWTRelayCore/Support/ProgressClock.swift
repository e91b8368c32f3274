import Foundation
import Synchronization

/// The last time a loop made progress; the systemd watchdog and status read it.
public final class ProgressClock: Sendable {
    private let last = Mutex<Double>(Date().timeIntervalSince1970)

    public init() {}

    public func tick() { last.withLock { $0 = Date().timeIntervalSince1970 } }

    public var lastProgress: Double { last.withLock { $0 } }
}
