import Foundation

/// Waits until `condition` holds or the timeout passes; returns whether it held. Tests wait for
/// outcomes a user would see, never for a fixed time.
public func eventually(
    timeout: Double = 30, poll: Double = 0.02, _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(Int64(poll * 1000)))
    }
    return try await condition()
}
