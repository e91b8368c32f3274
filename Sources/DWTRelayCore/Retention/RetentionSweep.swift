import Foundation

/// One pass of the spool retention rules (`retention.*_days`): result files, dealt-with refused files and
/// archived files older than their folder's limit are deleted, so a year of loads does not pile up in one
/// folder. The database keeps every outcome; nothing here is a record of its own.
///
/// A result file's age counts from its modification (dwt-relay wrote it). A refused or archived file's counts
/// from the later of its modification and its change time: the rename into `failed/` or the archive sets the
/// change time, so a file the weighbridge wrote long ago and dwt-relay took today is a day old, not a year.
public struct RetentionSweep: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case results
        case failed
        case archive
    }

    public struct Folder: Sendable, Equatable {
        public var path: String
        public var kind: Kind
        public var maxAgeDays: Int
    }

    public let folders: [Folder]

    public init(folders: [Folder]) { self.folders = folders }

    /// Every spool folder with a limit (0 days means keep, and the folder is left out).
    public init(config: RelayConfig) {
        var folders: [Folder] = []
        for site in config.sites {
            folders.append(
                Folder(
                    path: config.resultsFolder(for: site.name), kind: .results, maxAgeDays: config.resultsRetentionDays)
            )
            folders.append(
                Folder(path: config.failedFolder(for: site), kind: .failed, maxAgeDays: config.failedRetentionDays))
        }
        if let archive = config.archive {
            folders.append(Folder(path: archive, kind: .archive, maxAgeDays: config.archiveRetentionDays))
        }
        self.init(folders: folders.filter { $0.maxAgeDays > 0 })
    }

    /// Deletes what is past its limit at `now`; `openRefusals` names the refused files (and so their
    /// `.error.json`) a person still has to deal with, which are kept whatever their age.
    /// Returns how many files of each kind were deleted.
    public func run(now: Double, openRefusals: Set<String>) -> [Kind: Int] {
        var deleted: [Kind: Int] = [:]
        for folder in folders {
            let oldest = now - Double(folder.maxAgeDays) * 86_400
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names where Self.isCandidate(name, in: folder.kind) {
                if folder.kind == .failed && Self.belongsToOpenRefusal(name, openRefusals) { continue }
                let path = folder.path + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let modified = info.st_mtim.tv_sec
                let changed = Double(folder.kind == .results ? modified : max(modified, info.st_ctim.tv_sec))
                if changed < oldest, unlink(path) == 0 { deleted[folder.kind, default: 0] += 1 }
            }
        }
        return deleted
    }

    /// Hidden files are never ours to delete (the local API's token, a writer's temp file); in the results
    /// folder only result files are.
    static func isCandidate(_ name: String, in kind: Kind) -> Bool {
        guard !name.hasPrefix(".") else { return false }
        return kind != .results || name.hasSuffix(".result.json")
    }

    /// `NAME` and `NAME.error.json` of an open refusal, also when the error file's name was shortened to
    /// `PREFIX~TIME.error.json` (see `InboxIngestor.reportName(for:)`).
    static func belongsToOpenRefusal(_ name: String, _ open: Set<String>) -> Bool {
        if open.contains(name) { return true }
        if name.hasSuffix(".error.json") {
            let stem = String(name.dropLast(".error.json".count))
            if open.contains(stem) { return true }
            if let tilde = stem.lastIndex(of: "~") {
                let prefix = stem[..<tilde]
                return open.contains { $0.hasPrefix(prefix) }
            }
        }
        return false
    }
}
