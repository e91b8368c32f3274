import Foundation

/// One daemon per state folder: an exclusive `flock` on the folder itself, held for the daemon's life.
/// `status` probes it to tell whether a daemon is running, with no pid file to go stale.
public final class DaemonLock: Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    public static func acquire(stateDirectory: String) throws -> DaemonLock {
        let fd = open(stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigError(key: "paths.state", "cannot open \(stateDirectory): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ConfigError(key: "paths.state", "another dwt-relay daemon is already running on \(stateDirectory)")
        }
        return DaemonLock(fd: fd)
    }

    /// true: a daemon holds the lock; false: none; nil: the folder cannot be opened.
    public static func isHeld(stateDirectory: String) -> Bool? {
        let fd = open(stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK ? true : nil
    }

    deinit { close(fd) }
}
