import Foundation

/// Locates the repository's own test fixtures (`Tests/Fixtures`) and the built binary: nothing outside the
/// repository is read, so a fresh clone runs its tests alone.
public enum TestFixtures {
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Defra's published example request bodies, kept as data (see the README beside them).
    public static var examplesFolder: String { packageRoot + "/Tests/Fixtures/defra-examples" }

    /// Example bodies by file name.
    public static func examples() throws -> [(name: String, data: Data)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: examplesFolder).filter { $0.hasSuffix(".json") }
        return names.sorted().map { ($0, FileManager.default.contents(atPath: examplesFolder + "/" + $0)!) }
    }

    public static func example(_ prefix: String) throws -> Data {
        try examples().first { $0.name.hasPrefix(prefix) }!.data
    }

    /// A valid body with a chosen reference (and optional tweaks), as JSON data.
    public static func movement(reference: String?, siteName: String = "Receiver Ltd", apiCode: String? = nil) throws
        -> Data
    {
        var body = try JSONSerialization.jsonObject(with: example("basic-required-fields-only")) as! [String: Any]
        if let reference { body["yourUniqueReference"] = reference }
        // Received now, so that legal deadlines in tests are days away unless a test says otherwise.
        body["dateTimeReceived"] = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
        var receiver = body["receiver"] as! [String: Any]
        receiver["siteName"] = siteName
        body["receiver"] = receiver
        if let apiCode { body["apiCode"] = apiCode }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    /// The `dwt-relay` executable built beside the test bundle.
    public static var binary: String {
        let candidates = [
            (Bundle.main.bundlePath as NSString).deletingLastPathComponent + "/dwt-relay",
            (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/dwt-relay",
            packageRoot + "/.build/debug/dwt-relay",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }
}

/// A loopback TCP port that was free a moment ago (for servers that must be told their port up front).
public func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
