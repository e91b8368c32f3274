import Foundation
import Logging

/// Writes `paths.results/NAME.result.json` for every final outcome, atomically (temp + rename), so a
/// weighbridge program that only reads files learns every ID and every rejection.
public struct ResultWriter: Sendable {
    public let folder: String
    let store: MovementStore
    let logger: Logger

    public init(folder: String, store: MovementStore, logger: Logger) {
        self.folder = folder
        self.store = store
        self.logger = logger
    }

    public func path(for movement: Movement) -> String { folder + "/" + movement.resultBaseName + ".result.json" }

    public func write(_ movement: Movement) {
        guard movement.state == .accepted || movement.state == .rejected, let id = movement.id else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let text = JSONText.encode(try store.decrypted(movement).resultJSON) + "\n"
            try FileSystem.writeAtomically(Data(text.utf8), to: path(for: movement))
            try store.markResultWritten(id)
        } catch {
            logger.error(
                "cannot write result file; will retry at start-up",
                metadata: ["movement.id": "\(id)", "error": "\(error)"])
        }
    }

    /// Writes every result still owed (after a crash between commit and write).
    public func writeOwed() {
        while let owed = try? store.resultsDue(limit: 500), !owed.isEmpty {
            for movement in owed { write(movement) }
            if owed.contains(where: { !FileManager.default.fileExists(atPath: path(for: $0)) }) { break }
        }
    }
}
