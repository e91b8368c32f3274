import Foundation

/// Reading a claimed file: through a descriptor that follows no link, up to the size limit, and refused if it
/// changes while it is read (a writer that broke the rename rule).
extension InboxIngestor {
    enum ClaimedContent {
        case data(Data)
        case rejected(IntakeRejection)
        /// A folder, FIFO, socket or device: described in words.
        case notAFile(String)
    }

    func readClaimed(_ path: String, limit: Int) -> ClaimedContent {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            let code = errno
            if code == ELOOP { return .rejected(IntakeRejection("symbolic link refused (not followed)")) }
            if code == ENXIO { return .notAFile("a socket") }
            return .rejected(IntakeRejection("cannot open: \(String(cString: strerror(code)))"))
        }
        defer { close(fd) }
        var before = stat()
        guard fstat(fd, &before) == 0 else { return .rejected(IntakeRejection("cannot stat file")) }
        guard (before.st_mode & S_IFMT) == S_IFREG else {
            return .notAFile(Self.nonRegularKind(before.st_mode) ?? "not a regular file")
        }
        if Int(before.st_size) > limit {
            let key = limit == intake.maxBytes ? "intake.max_file_bytes" : "intake.max_csv_bytes"
            return .rejected(IntakeRejection("file is \(before.st_size) bytes, over the \(limit)-byte limit (\(key))"))
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .rejected(IntakeRejection("read error: \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            if data.count > limit {
                return .rejected(IntakeRejection("file grew past the \(limit)-byte limit while being read"))
            }
        }
        var after = stat()
        if fstat(fd, &after) == 0,
            after.st_size != before.st_size || after.st_mtim.tv_sec != before.st_mtim.tv_sec
                || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec
        {
            return .rejected(IntakeRejection("file changed while being read (write NAME.json.tmp, then rename)"))
        }
        return .data(data)
    }
}
