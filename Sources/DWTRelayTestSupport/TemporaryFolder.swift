import Foundation

/// A fresh folder under the system temp dir, removed when the value is released.
public final class TemporaryFolder: Sendable {
    public let path: String

    /// `base`: another parent than the system temp dir (e.g. `/dev/shm` where fsync costs nothing, for
    /// tests whose subject is not durability).
    public init(_ prefix: String = "dwt-relay-test", base: String? = nil) {
        let parent =
            base.flatMap { FileManager.default.isWritableFile(atPath: $0) ? $0 : nil } ?? NSTemporaryDirectory()
        var template = Array(((parent as NSString).appendingPathComponent("\(prefix).XXXXXX")).utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    public func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
