import Foundation

/// Who may file a movement or read one's details through the local API when no `http.token_file` is set.
///
/// Any local user can reach 127.0.0.1, which would bypass the inbox's `dwt-relay-writers` group. So the
/// daemon keeps a token in `paths.results/.dwt-relay-api-token`, readable by the owner and the folder's
/// group (the installer makes that `dwt-relay-writers`) and nobody else: a writer presents it as
/// `Authorization: Bearer ...`. Status, health, metrics and the movement list (metadata only) stay open to
/// local callers. The token is made once and kept, so a client may read it once at start.
enum WriterToken {
    static let fileName = ".dwt-relay-api-token"

    static func path(config: RelayConfig) -> String { config.results + "/" + fileName }

    /// The token in `path`, made (random, 256 bits, mode 0640) when there is none yet.
    static func ensure(at path: String) throws -> String {
        if let existing = try read(path) { return existing }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileSystem.createDirectory(folder)
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
        // Written whole under a private name, then linked into place: a reader never sees half a token.
        let temporary = path + ".new.\(getpid())"
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw ConfigError(
                key: "paths.results",
                "cannot create \(path) (\(String(cString: strerror(errno)))) for local API writers")
        }
        defer { unlink(temporary) }
        fchmod(fd, 0o640)  // whatever the umask: the group (dwt-relay-writers) reads it, others do not
        let bytes = Array((token + "\n").utf8)
        let written = write(fd, bytes, bytes.count)
        fsync(fd)
        close(fd)
        guard written == bytes.count else { throw ConfigError(key: "paths.results", "cannot write \(path)") }
        if link(temporary, path) != 0 {
            guard errno == EEXIST, let winner = try read(path) else {
                throw ConfigError(key: "paths.results", "cannot create \(path): \(String(cString: strerror(errno)))")
            }
            return winner
        }
        FileSystem.fsyncDirectory(folder)
        return token
    }

    /// The token already in `path`; nil when there is none. A token every user can read is no token.
    private static func read(_ path: String) throws -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o007 == 0 else {
            throw ConfigError(
                key: "paths.results",
                "\(path) is not a private file (mode \(String(info.st_mode & 0o777, radix: 8))); remove it and restart")
        }
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
