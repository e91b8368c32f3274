import Crypto
import Foundation
import Glibc

/// The AES-256 key that encrypts movement payloads and service responses at rest.
///
/// Read from the systemd credential `storage-key` first, then from `storage.key_file` (kept outside the
/// state folder, so a copy of the database alone reveals nothing). The daemon creates the file (0600) on
/// first run when it can; losing it makes stored payloads unreadable, so back it up.
public struct StorageKey: Sendable {
    nonisolated(unsafe) let key: SymmetricKey  // immutable after init; SymmetricKey is not marked Sendable
    /// Short fingerprint recorded in the database to detect a wrong or replaced key.
    public let id: String

    init(key: SymmetricKey) {
        self.key = key
        id = SHA256.hash(data: key.withUnsafeBytes { Data($0) } + Data("dwt-relay key id".utf8))
            .prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    public static func generate() -> StorageKey { StorageKey(key: SymmetricKey(size: .bits256)) }

    /// Loads the key; creates the key file when `create` is set and none exists. nil when there is none.
    public static func load(
        config: RelayConfig, create: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> StorageKey? {
        if let credentials = environment["CREDENTIALS_DIRECTORY"],
            FileManager.default.fileExists(atPath: credentials + "/storage-key")
        {
            return try read(credentials + "/storage-key", key: "CREDENTIALS_DIRECTORY/storage-key")
        }
        let path = config.storageKeyFile
        let state = (config.stateDirectory as NSString).standardizingPath + "/"
        if (path as NSString).standardizingPath.hasPrefix(state) {
            throw ConfigError(key: "storage.key_file", "must be outside paths.state (\(config.stateDirectory))")
        }
        if FileManager.default.fileExists(atPath: path) { return try read(path, key: "storage.key_file") }
        guard create else { return nil }
        let fresh = generate()
        let folder = (path as NSString).deletingLastPathComponent
        try? FileSystem.createDirectory(folder)
        let text = fresh.key.withUnsafeBytes { Data($0) }.base64EncodedString() + "\n"
        do {
            if try FileSystem.createOnce(path, bytes: Array(text.utf8), mode: 0o600) == .existed {
                return try read(path, key: "storage.key_file")  // another process made it first: use that one
            }
        } catch let error as POSIXError {
            throw ConfigError(
                key: "storage.key_file",
                "no storage key at \(path) and cannot create one (\(String(cString: strerror(error.code.rawValue)))); "
                    + "create it with: head -c 32 /dev/urandom | base64 > \(path); chmod 600 \(path)")
        }
        return fresh
    }

    static func read(_ path: String, key name: String) throws -> StorageKey {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: name, "cannot read \(path)")
        }
        if info.st_mode & 0o004 != 0 {
            throw ConfigError(key: name, "\(path) is readable by every user; run: chmod 600 \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if name.hasPrefix("CREDENTIALS_DIRECTORY") && (text.isEmpty || text == RelayConfig.missingCredentialMarker) {
            // The unit's SetCredential= fallback: the file LoadCredential= names is missing (or it is empty).
            throw ConfigError(
                key: name,
                "no storage key: /etc/dwt-relay/storage-key (which the unit's LoadCredential=storage-key names) is "
                    + "missing or empty. Restore it from your backup; on a new install without data, create one: "
                    + "head -c 32 /dev/urandom | base64 > /etc/dwt-relay/storage-key; chmod 600 /etc/dwt-relay/storage-key"
            )
        }
        guard let raw = Data(base64Encoded: text), raw.count == 32 else {
            throw ConfigError(key: name, "\(path) must hold 32 random bytes in base64")
        }
        return StorageKey(key: SymmetricKey(data: raw))
    }

    // MARK: sealing

    static let marker = Data("DWE1".utf8)
    static let textPrefix = "enc1:"

    func seal(_ plain: Data) throws -> Data {
        guard let combined = try AES.GCM.seal(plain, using: key).combined else {
            throw StoreError.cannotOpen("", "AES")
        }
        return Self.marker + combined
    }

    func open(_ stored: Data) throws -> Data {
        guard stored.starts(with: Self.marker) else { return stored }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: stored.dropFirst(Self.marker.count)), using: key)
    }

    func sealText(_ plain: String?) throws -> String? {
        guard let plain else { return nil }
        return Self.textPrefix + (try seal(Data(plain.utf8))).base64EncodedString()
    }

    func openText(_ stored: String?) throws -> String? {
        guard let stored, stored.hasPrefix(Self.textPrefix) else { return stored }
        guard let data = Data(base64Encoded: String(stored.dropFirst(Self.textPrefix.count))) else { return nil }
        return String(decoding: try open(data), as: UTF8.self)
    }

    static func isSealed(_ data: Data) -> Bool { data.starts(with: marker) }
    static func isSealed(_ text: String?) -> Bool { text?.hasPrefix(textPrefix) ?? false }
}
