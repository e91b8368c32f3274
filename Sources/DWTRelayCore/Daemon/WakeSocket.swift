import Crypto
import Dispatch
import Foundation
import Glibc

/// Lets `dwt-relay submit` (another process) wake a running daemon at once after it commits.
///
/// An abstract-namespace datagram socket named after the database path: no file to clean up,
/// nothing written in the state folder, and a lost nudge costs only latency (the daemon rescans).
public final class WakeSocket: @unchecked Sendable {
    private let fd: Int32
    private let source: DispatchSourceRead

    static func address(for databasePath: String) -> [UInt8] {
        let resolved = (databasePath as NSString).resolvingSymlinksInPath
        let digest = SHA256.hash(data: Data(resolved.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return [0] + Array("dwt-relay-wake-\(digest)".utf8)
    }

    private static func withAddress<T>(_ bytes: [UInt8], _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Binds the socket; `onWake` runs on a private queue for each nudge. nil if the name is taken.
    public init?(databasePath: String, onWake: @escaping @Sendable (WakeReason) -> Void) {
        let fd = socket(
            AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        let bound = Self.withAddress(Self.address(for: databasePath)) { bind(fd, $0, $1) }
        guard bound == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "dwt-relay.wake"))
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 64)
            var reason = WakeReason.newWork
            while recv(fd, &buffer, buffer.count, 0) > 0 {
                if buffer[0] == WakeReason.operatorRelease.rawValue { reason = .operatorRelease }
            }
            onWake(reason)
        }
        source.setCancelHandler { close(fd) }
        source.resume()
    }

    public func cancel() { source.cancel() }

    /// Sends a nudge; silently does nothing when no daemon listens.
    public static func nudge(databasePath: String, _ reason: WakeReason = .newWork) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = withAddress(address(for: databasePath)) {
            sendto(fd, [reason.rawValue], 1, Int32(MSG_NOSIGNAL), $0, $1)
        }
    }
}
