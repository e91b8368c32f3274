import ArgumentParser
import DWTRelayCore

/// Option values as the domain's own types: an unknown value is refused by the parser, naming the choices,
/// instead of falling back to a default without a word (`--log-format jsn` used to log text).
extension RelayLogHandler.Format: ExpressibleByArgument {}

/// `list --state`: a movement's state, or `failed` for the files refused into `failed/` (never movements).
enum ListedState: ExpressibleByArgument, Equatable {
    case movement(MovementState)
    case failed

    init?(argument: String) {
        if argument == "failed" {
            self = .failed
        } else if let state = MovementState(rawValue: argument) {
            self = .movement(state)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { MovementState.allCases.map(\.rawValue) + ["failed"] }
}
