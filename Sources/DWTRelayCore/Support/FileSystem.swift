import Foundation

/// Small POSIX helpers for durable file handling.
public enum FileSystem {
    /// fsync a folder so that renames and unlinks in it survive power loss.
    public static func fsyncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Creates `path` and whatever parents are missing (like `mkdir -p`), each made durable in its parent.
    /// A folder the daemon creates itself (the state folder at a first start, a site's results folder) must
    /// survive a power cut as surely as what is later written in it: the power-loss test lost a whole
    /// database whose folder entry was never synced, after intake had durably removed its files from the inbox.
    /// `mode` applies to `path` itself (whatever the umask); parents get 0755 less the umask.
    public static func createDirectory(_ path: String, mode: mode_t? = nil) throws {
        var missing: [String] = []
        var current = (path as NSString).standardizingPath
        var info = stat()
        while !current.isEmpty && current != "/" && stat(current, &info) != 0 {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        if missing.isEmpty {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw POSIXError(.ENOTDIR) }
            return
        }
        for folder in missing.reversed() {
            if mkdir(folder, folder == missing[0] ? (mode ?? 0o755) : 0o755) != 0 && errno != EEXIST {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            fsyncDirectory((folder as NSString).deletingLastPathComponent)
        }
        if let mode { chmod(missing[0], mode) }
    }

    /// Flushes the whole filesystem holding `path` (one call for a batch of files).
    public static func syncFilesystem(of path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        if let syncfs = syncfsFunction {
            _ = syncfs(fd)
        } else {
            sync()
        }
        close(fd)
    }

    /// glibc's syncfs(2); Swift's Glibc module hides it behind _GNU_SOURCE, so it is looked up once.
    private static let syncfsFunction: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    /// Writes via a temporary dot-file, fsync, then rename: readers see the old file or the whole new one.
    /// `durable: false` skips the fsyncs, for callers that sync a whole batch later.
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o644, durable: Bool = true) throws
    {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = folder + "/." + name + ".tmp-\(getpid())"
        let fd = open(temp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += written
            }
        }
        let code = errno
        if ok && durable && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            unlink(temp)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        if durable { fsyncDirectory(folder) }
    }

    /// Moves a file, also across filesystems (a share or a mount of its own for `failed/` or the archive):
    /// on EXDEV it is copied, made durable, and only then removed. False when it could not be moved; the
    /// source is then left where it was.
    public static func move(_ source: String, to destination: String) -> Bool {
        if rename(source, destination) == 0 { return true }
        guard errno == EXDEV, let data = FileManager.default.contents(atPath: source) else { return false }
        var info = stat()
        let mode = stat(source, &info) == 0 ? info.st_mode & 0o777 : 0o644
        do {
            try writeAtomically(data, to: destination, mode: mode)
        } catch {
            return false
        }
        unlink(source)
        return true
    }

    /// What `createOnce` found.
    public enum CreatedOnce: Equatable {
        /// This process wrote the file.
        case created
        /// Another process made it first: read that one.
        case existed
    }

    /// Creates `path` holding `bytes` with `mode` (whatever the umask), or finds that another process did: it is
    /// written whole under a private name, synced, then linked into place, so a process starting at the same
    /// moment sees no file or the whole file, never half of one, and exactly one wins. Throws the errno.
    public static func createOnce(_ path: String, bytes: [UInt8], mode: mode_t) throws -> CreatedOnce {
        let temporary = path + ".new.\(getpid())"
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { unlink(temporary) }
        fchmod(fd, mode)
        let written = write(fd, bytes, bytes.count)
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw POSIXError(.EIO) }
        if link(temporary, path) != 0 {
            guard errno == EEXIST else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            return .existed
        }
        fsyncDirectory((path as NSString).deletingLastPathComponent)
        return .created
    }
}
