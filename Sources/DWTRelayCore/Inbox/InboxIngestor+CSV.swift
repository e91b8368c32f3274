import Foundation

extension InboxIngestor {
    /// The movements of a CSV file that cannot be sent: their rows (under the header, as written) go to
    /// `failed/NAME.csv` to be fixed and dropped again, `NAME.csv.error.json` lists each row, column and
    /// reason, and each is recorded as a refusal for `status` and the office page. With `wholeFile` (nothing
    /// in the file could be taken) the file itself is moved there.
    func refuseCSV(claim: String, original: String, result: CSVIntakeResult, wholeFile: Bool) {
        var target = original
        var counter = 1
        while FileManager.default.fileExists(atPath: failed + "/" + target)
            || FileManager.default.fileExists(atPath: failed + "/" + Self.reportName(for: target))
        {
            // The same rows already there: this file was taken before a crash stopped its removal.
            if !wholeFile, FileManager.default.contents(atPath: failed + "/" + target) == result.refusedText { break }
            target = "\(original).\(counter)"
            counter += 1
        }
        var movedTo: String? = failed + "/" + target
        if wholeFile {
            let from = inbox + "/" + claim
            if !FileSystem.move(from, to: movedTo!) {
                logger.error(
                    "cannot move refused file to failed/; kept in the inbox as a hidden file",
                    metadata: ["file": "\(original)", "error": "\(String(cString: strerror(errno)))"])
                let kept = inbox + "/.dwt-relay-refused." + original
                movedTo = rename(from, kept) == 0 ? kept : from
            }
        } else {
            do {
                try FileSystem.writeAtomically(result.refusedText, to: movedTo!)
            } catch {
                // The rows are still in the movements' source (archive or the writer's own copy) and in the report.
                logger.error(
                    "cannot write the refused rows to failed/", metadata: ["file": "\(original)", "error": "\(error)"])
                movedTo = nil
            }
        }
        let rows: [[String: Any]] = result.refused.flatMap { refused in
            refused.problems.map { problem in
                var row: [String: Any] = ["row": problem.row, "reason": problem.reason]
                if let column = problem.column { row["column"] = column }
                if let reference = refused.reference { row["yourUniqueReference"] = reference }
                return row
            }
        }
        let total = result.takenCount + result.refused.count
        let reason =
            wholeFile
            ? "none of the \(total) movement(s) in the file could be taken; each row's reason is under rows"
            : "\(result.refused.count) of \(total) movement(s) refused; their rows are in \(target) to fix and drop "
                + "again, the others were taken"
        writeReport(file: original, as: target, reason: reason, field: nil, issues: [], movedTo: movedTo, rows: rows)
        FileSystem.fsyncDirectory(inbox)
        for refused in result.refused {
            let first = refused.problems.first
            let pointer =
                result.ticket
                ? original : CSVRowPointer.make(file: original, row: refused.rows.first ?? first?.row ?? 0)
            record(
                sourceFile: pointer, failedPath: movedTo,
                reason: refused.problems.map(\.description).joined(separator: "; "),
                field: first?.column, reference: refused.reference, unlessOpen: true)
        }
    }
}
