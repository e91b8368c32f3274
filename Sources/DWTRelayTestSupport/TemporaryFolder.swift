import Foundation

/// A fresh folder under the system temp dir, removed when the value is released.
public final class TemporaryFolder: Sendable {
    public let path: String

    public init(_ prefix: String = "dwt-relay-test") {
        var template = Array(
            ((NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix).XXXXXX")).utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    public func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
