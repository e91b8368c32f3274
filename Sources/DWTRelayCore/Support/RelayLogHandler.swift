import Foundation
import Glibc
import Logging

/// One line per event on stderr: `LEVEL message key=value ...` (journald adds time and unit), or one JSON
/// object per line for log shippers. When stderr is the journal (systemd sets `JOURNAL_STREAM`), each line
/// starts with its syslog priority (`<4>` for a warning), which journald strips and stores, so that
/// `journalctl -p warning` shows dwt-relay's warnings. Bootstrapped by the CLI only, never by tests.
public struct RelayLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    var label: String
    let format: Format

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote("\($0.value)"))" }
            line = ([event.level.rawValue.uppercased(), "\(event.message)"] + fields).joined(separator: " ")
        case .json:
            var object: [String: Any] = [
                "time": ISO8601.string(Date().timeIntervalSince1970), "level": event.level.rawValue,
                "message": "\(event.message)", "logger": label,
            ]
            for (key, value) in merged { object[key] = "\(value)" }
            line = JSONText.encode(object, pretty: false)
        }
        Self.writeToStandardError(line, level: event.level)
    }

    /// Writes one line to stderr, with the journal's priority prefix when stderr is the journal.
    public static func writeToStandardError(_ line: String, level: Logger.Level) {
        let prefix = JournalStream.stderrIsJournal ? "<\(JournalStream.priority(level))>" : ""
        // write(2), not FileHandle: FileHandle traps when the write fails, and stderr goes away under a running
        // daemon when journald restarts (systemd ignores SIGPIPE for services, so the write fails with EPIPE).
        // A log line that cannot be written is dropped; the daemon carries on.
        let bytes = Array((prefix + line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    static func quote(_ value: String) -> String {
        if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return value
    }
}

/// Whether stderr is connected to journald: systemd sets `JOURNAL_STREAM=DEVICE:INODE` for the stream it
/// gave the service, and a redirected stderr no longer matches it (sd_journal_stream_fd(3)).
enum JournalStream {
    static let stderrIsJournal: Bool = {
        guard let value = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }()

    /// syslog(3) priorities: 2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }
}

extension Logger {
    /// This logger for one part of the daemon (`dwt-relay.sender`, `dwt-relay.inbox`...): the same
    /// destination, level and metadata, under the part's label, which a JSON line carries as `logger`.
    public func component(_ name: String) -> Logger {
        let label = "\(self.label).\(name)"
        var handler = self.handler
        if var relay = handler as? RelayLogHandler {
            relay.label = label
            handler = relay
        }
        return Logger(label: label) { _ in handler }
    }
}
