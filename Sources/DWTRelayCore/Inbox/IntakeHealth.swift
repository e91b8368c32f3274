import Foundation
import Synchronization

/// Whether intake can currently store (a full disk or read-only state folder makes it fail).
public final class IntakeHealth: Sendable {
    private let state = Mutex<(failing: Bool, error: String?, since: Double?)>((false, nil, nil))

    public init() {}

    func recordSuccess() { state.withLock { $0 = (false, nil, nil) } }

    func recordFailure(_ error: String) {
        state.withLock { $0 = (true, error, $0.since ?? Date().timeIntervalSince1970) }
    }

    public var failure: String? { state.withLock { $0.failing ? $0.error : nil } }
}
