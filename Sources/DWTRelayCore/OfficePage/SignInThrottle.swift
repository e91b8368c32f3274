import Foundation
import Synchronization

/// Slows down guessing of the office sign-in token across every request at once: a wrong token closes the
/// door to all sign-ins for a while, doubling with each wrong token in a row (1 s up to 60 s), and a right one
/// opens it again. A per-request sleep alone was no limit: parallel requests each guessed at full speed.
/// One door for everyone, so it also holds against many sources (the API may be remote with
/// `http.allow_remote`); the worst a guesser can do is keep the form shut for a minute at a time.
public final class SignInThrottle: Sendable {
    struct State {
        var wrongInARow = 0
        var closedUntil = 0.0
    }

    static let longestWait = 60.0
    private let state = Mutex(State())
    private let wallClock: WallClock

    public init(wallClock: WallClock = .system) { self.wallClock = wallClock }

    /// Whether a sign-in may be tried now; when it may not, the token is not even compared.
    public func mayTry() -> Bool {
        let now = wallClock()
        return state.withLock { now >= $0.closedUntil }
    }

    /// Records the result of a tried sign-in.
    public func record(success: Bool) {
        let now = wallClock()
        state.withLock { state in
            if success {
                state = State()
            } else {
                state.wrongInARow += 1
                let wait = min(Self.longestWait, pow(2, Double(min(state.wrongInARow - 1, 10))))
                state.closedUntil = now + wait
            }
        }
    }
}
