import Foundation
import Logging

/// What the ingestor does with what it cannot take: refused files go to `failed/` with `NAME.error.json`,
/// entries it must not move are reported in place, and names the rest of dwt-relay cannot handle are
/// escaped. Each refusal is recorded once, so that `status` shows it until someone deals with it.
extension InboxIngestor {
    /// A name that is not UTF-8 (Latin-1 from a Windows or Samba writer, say) cannot be named by the rest of
    /// dwt-relay, so it stayed in the inbox for ever. Such a file is renamed to its escaped form (`caf%E9.json`)
    /// and then taken like any other; the warning names both.
    func escapeNonUTF8Names() {
        guard let directory = opendir(inbox) else { return }
        defer { closedir(directory) }
        var renames: [(from: [UInt8], to: String)] = []
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            guard bytes.first != UInt8(ascii: "."),
                String(validatingUTF8: bytes.map { CChar(bitPattern: $0) } + [0]) == nil
            else { continue }
            renames.append((bytes, Self.escapedName(bytes)))
        }
        for (from, to) in renames {
            let source = Array(inbox.utf8) + [UInt8(ascii: "/")] + from + [0]
            let moved = source.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { rename($0.baseAddress!, inbox + "/" + to) == 0 }
            }
            logger.warning(
                moved ? "inbox file name is not UTF-8; renamed to its escaped form" : "cannot rename a non-UTF-8 name",
                metadata: ["file": "\(to)"])
        }
    }

    /// `NAME.error.json`, shortened (with the refusal's time) when the writer's name leaves no room for it
    /// and the temporary name it is written through.
    static func reportName(for target: String) -> String {
        let full = target + ".error.json"
        guard full.utf8.count > 200 else { return full }
        var short = ""
        for character in target {
            guard short.utf8.count + character.utf8.count <= 150 else { break }
            short.append(character)
        }
        return short + "~\(Int(Date().timeIntervalSince1970 * 1000)).error.json"
    }

    /// Bytes outside printable ASCII as `%XX`; `%` itself too, so the escaped form is unambiguous.
    static func escapedName(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "%")
                ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
    }

    /// Reports an inbox entry that is not a file (a folder named `x.json`, say) once: `failed/NAME.error.json`
    /// and a refusal that `status` shows until acknowledged. The entry itself is left alone.
    func reportLeftInPlace(_ name: String, kind: String) {
        let reason =
            "\(kind), not a regular file: left in the inbox; remove it (or move it away) and drop the movement as a file"
        do {
            guard
                try RefusalStore(store: store).recordInPlace(
                    refusal(sourceFile: name, failedPath: nil, reason: reason, field: nil))
            else { return }
        } catch {
            logger.error(
                "cannot record a refused file in the store", metadata: ["file": "\(name)", "error": "\(error)"])
        }
        writeReport(file: name, as: name, reason: reason, field: nil, issues: [], movedTo: nil)
        logger.warning("inbox entry is not a file; left alone", metadata: ["file": "\(name)", "reason": "\(reason)"])
    }

    /// `failed/NAME.error.json` (or `NAME.N.error.json` when taken), written atomically.
    func writeReport(
        file: String, as target: String, reason: String, field: String?, issues: [ValidationIssue], movedTo: String?,
        rows: [[String: Any]] = []
    ) {
        var report: [String: Any] = [
            "file": file, "reason": reason, "time": ISO8601.string(wallClock()),
            "movedTo": movedTo.map { $0 as Any } ?? NSNull(),
        ]
        if let field { report["field"] = field }
        if !issues.isEmpty { report["errors"] = issues.map(\.json) }
        if !rows.isEmpty { report["rows"] = rows }
        var name = target
        var counter = 1
        while movedTo == nil && FileManager.default.fileExists(atPath: failed + "/" + Self.reportName(for: name)) {
            name = "\(target).\(counter)"
            counter += 1
        }
        if let data = try? JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]) {
            try? FileSystem.writeAtomically(data, to: failed + "/" + Self.reportName(for: name))
        }
        FileSystem.fsyncDirectory(failed)
    }

    /// Recorded so that status, list, export and /metrics show it until someone deals with it. A store that
    /// cannot write (full disk) still leaves the file and its error.json in failed/. A CSV row gives its
    /// movement's `reference` and is recorded `unlessOpen` (a file taken again after a crash refuses it again).
    func record(
        sourceFile: String, failedPath: String?, reason: String, field: String?, reference: String? = nil,
        unlessOpen: Bool = false
    ) {
        var refused = refusal(sourceFile: sourceFile, failedPath: failedPath, reason: reason, field: field)
        refused.yourUniqueReference = reference
        do {
            let refusals = RefusalStore(store: store)
            if unlessOpen { try refusals.recordUnlessOpen(refused) } else { try refusals.record(refused) }
        } catch {
            logger.error(
                "cannot record a refused file in the store", metadata: ["file": "\(sourceFile)", "error": "\(error)"])
        }
        logger.warning(
            "movement file refused",
            metadata: ["file": "\(sourceFile)", "reason": "\(reason)", "field": "\(field ?? "-")"])
    }

    /// Moves a refused file to `paths.failed` with `NAME.error.json` beside it. Never retried in a loop.
    func moveToFailed(
        claim: String, original: String, reason: String, field: String?, issues: [ValidationIssue] = []
    ) {
        var target = original
        var counter = 1
        while FileManager.default.fileExists(atPath: failed + "/" + target)
            || FileManager.default.fileExists(atPath: failed + "/" + target + ".error.json")
        {
            target = "\(original).\(counter)"
            counter += 1
        }
        let from = inbox + "/" + claim
        var movedTo = failed + "/" + target
        if !FileSystem.move(from, to: movedTo) {
            // Never delete what the daemon did not keep: the refused file stays in the inbox under a dot-name
            // that scans ignore, and error.json says where.
            logger.error(
                "cannot move refused file to failed/; kept in the inbox as a hidden file",
                metadata: ["file": "\(original)", "error": "\(String(cString: strerror(errno)))"])
            let kept = inbox + "/.dwt-relay-refused." + original
            movedTo = rename(from, kept) == 0 ? kept : from
        }
        writeReport(file: original, as: target, reason: reason, field: field, issues: issues, movedTo: movedTo)
        FileSystem.fsyncDirectory(inbox)
        record(sourceFile: original, failedPath: movedTo, reason: reason, field: field)
    }

    func refusal(sourceFile: String, failedPath: String?, reason: String, field: String?) -> Refusal {
        let now = wallClock()
        return Refusal(
            site: intake.siteName, sourceFile: sourceFile, failedPath: failedPath, reason: reason, field: field,
            refusedAt: now, deadlineAt: intake.deadline?.deadline(receivedAt: now) ?? now + 2 * 86400)
    }

    /// A file of a kind dwt-relay does not read: refused into failed/ with what it looks like, so that a site
    /// whose software writes another format learns it at the first load (a `ticket.xml` stayed in the inbox
    /// for ever, with `status` OK).
    func refuseUnread(original: String, claim: String, path: String) -> Prepared {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        var head = [UInt8](repeating: 0, count: 512)
        var count = 0
        if fd >= 0 {
            defer { close(fd) }
            var info = stat()
            if fstat(fd, &info) == 0, let kind = Self.nonRegularKind(info.st_mode) {
                _ = rename(path, inbox + "/" + original)
                return .leftInPlace(name: original, kind: kind)
            }
            count = max(0, read(fd, &head, head.count))
        }
        let looks = UnreadFileKind(name: original, head: Array(head.prefix(count)))
        return .refused(
            original: original, claim: claim,
            rejection: IntakeRejection(
                "dwt-relay reads .json and .csv files; this looks like \(looks.description). \(looks.advice)"))
    }
}
