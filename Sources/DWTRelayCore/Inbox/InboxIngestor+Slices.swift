import Foundation
import Logging

/// Large CSV exports: a 100,000-row file taken in one transaction held the inbox for over a minute and
/// cost ~74 times its size in memory. Over `sliceLaneBytes` a file is taken on the slice lane, `sliceSize`
/// movements per transaction, its movements built a slice at a time from the rows.
///
/// A crash between slices leaves the claimed file; at the next start it is taken again from the top, and
/// the slices already stored are recognised by file, row and content hash (`IngestResult.duplicate`).
extension InboxIngestor {
    /// Files above this size go to the slice lane (about 1,500 rows of a typical export).
    static let sliceLaneBytes = 256 * 1024
    /// Movements per transaction on the lane: each commit is a fraction of a second, so the inbox's own
    /// batches are stored in between.
    static let sliceSize = 500

    func handToSliceLane(_ entry: Prepared) {
        switch entry {
        case .inSlices(let original, let claim, let plan):
            slices.enqueue(names: [original], references: plan.references) { [self] in
                takeInSlices(original: original, claim: claim, plan: plan)
            }
        case .ready(let original, _, let item):
            slices.enqueue(names: [original], references: Set([item.yourUniqueReference].compactMap { $0 })) {
                [self] in _ = commit([entry], onSliceLane: true)
            }
        case .csv(let original, _, let result):
            slices.enqueue(names: [original], references: Set(result.items.compactMap(\.yourUniqueReference))) {
                [self] in _ = commit([entry], onSliceLane: true)
            }
        case .skipped, .refused, .leftInPlace:
            break
        }
    }

    /// Stores a planned CSV a slice at a time, then hands back its refused rows and removes (or archives) it.
    func takeInSlices(original: String, claim: String, plan: CSVIntakePlan) {
        var total = CSVIntakeResult()
        total.notes = plan.notes
        let started = Date()
        logger.info(
            "large CSV file: taking it in slices",
            metadata: ["file": "\(original)", "movements": "\(plan.movementCount)", "slice.size": "\(Self.sliceSize)"])
        for start in stride(from: 0, to: plan.movementCount, by: Self.sliceSize) {
            // Stopping: the claim stays and is taken again at the next start; stored slices are not stored twice.
            guard !slices.stopping else { return }
            let slice = intake.checkCSV(plan, movements: start..<min(start + Self.sliceSize, plan.movementCount))
            slice.items.forEach { warnIfInvalid($0, file: $0.sourceFile ?? original) }
            let results: [IngestResult]
            do {
                results = try store.ingest(slice.items, now: wallClock())
                health.recordSuccess()
            } catch {
                _ = rename(inbox + "/" + claim, inbox + "/" + original)
                health.recordFailure("\(error)")
                logger.critical(
                    "cannot store movements; file left in the inbox",
                    metadata: ["error": "\(error)", "file": "\(original)"])
                return
            }
            var next = results.makeIterator()
            logStored(slice.items, &next, file: original)
            if results.contains(where: { if case .stored = $0 { return true } else { return false } }) { onStored() }
            total.add(slice)
        }
        intake.completeCSV(plan, &total)
        if total.takenCount == 0 {
            refuseCSV(claim: claim, original: original, result: total, wholeFile: true)
            return
        }
        if !total.refused.isEmpty { refuseCSV(claim: claim, original: original, result: total, wholeFile: false) }
        removeTaken(claim: claim, original: original)
        FileSystem.fsyncDirectory(inbox)
        if let archive { FileSystem.fsyncDirectory(archive) }
        logger.info(
            "large CSV file taken",
            metadata: [
                "file": "\(original)", "movements.taken": "\(total.takenCount)",
                "movements.refused": "\(total.refused.count)",
                "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))",
            ])
    }
}
