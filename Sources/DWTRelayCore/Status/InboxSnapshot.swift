import Foundation

/// What is waiting in the inbox right now: files the daemon has not taken yet. Read straight from the
/// folder, so it tells the truth even when the database cannot be written (a full disk).
public struct InboxSnapshot: Sendable {
    public var waiting = 0
    public var oldestModifiedAt: Double?

    /// Every site's inbox together.
    public static func read(config: RelayConfig) -> InboxSnapshot? {
        let parts = config.sites.compactMap { read($0.inbox) }
        guard !parts.isEmpty else { return nil }
        var total = InboxSnapshot()
        for part in parts {
            total.waiting += part.waiting
            if let oldest = part.oldestModifiedAt {
                total.oldestModifiedAt = min(total.oldestModifiedAt ?? oldest, oldest)
            }
        }
        return total
    }

    public static func read(_ inbox: String) -> InboxSnapshot? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: inbox) else { return nil }
        var snapshot = InboxSnapshot()
        // Every file a writer left: not yet taken, claimed by a take that was cut short, or still named as
        // being written (`NAME.json.tmp`); one that stays shows as old here instead of being silent.
        for name in names where !name.hasPrefix(".") || name.hasPrefix(InboxIngestor.claimPrefix) {
            var info = stat()
            guard lstat(inbox + "/" + name, &info) == 0 else { continue }
            snapshot.waiting += 1
            let modified = Double(info.st_mtim.tv_sec)
            snapshot.oldestModifiedAt = min(snapshot.oldestModifiedAt ?? modified, modified)
        }
        return snapshot
    }
}
