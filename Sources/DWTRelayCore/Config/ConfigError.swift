/// A configuration problem, always naming the key (or file) at fault.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let problem: String

    public init(key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "config error: \(key): \(problem)" }
}
