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
        // Mode 0640 whatever the umask: the group (dwt-relay-writers) reads it, others do not.
        do {
            if try FileSystem.createOnce(path, bytes: Array((token + "\n").utf8), mode: 0o640) == .existed {
                guard let winner = try read(path) else {
                    throw ConfigError(key: "paths.results", "\(path) is empty; remove it and restart")
                }
                return winner
            }
        } catch let error as POSIXError {
            throw ConfigError(
                key: "paths.results",
                "cannot create \(path) (\(String(cString: strerror(error.code.rawValue)))) for local API writers")
        }
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
