import DWTRelayCore
import Foundation
import Synchronization

/// The real `dwt-relay` binary as a child process, for tests that kill it or read its exit code.
///
/// Its output is drained on dedicated threads as it comes, so a chatty daemon never blocks on a full pipe
/// and no test blocks the (two-thread) cooperative pool that in-process servers also need.
public final class RelayProcess: @unchecked Sendable {
    public let process = Process()
    private let out = Mutex(Data())
    private let err = Mutex(Data())
    private let drained = Mutex(0)

    /// Another Unix user to run the binary as (through util-linux's `setpriv`; the caller must be root), and a
    /// copy of the binary that user may execute.
    public struct RunAs: Sendable {
        public var uid: uid_t
        public var gid: gid_t
        public var groups: [gid_t]
        public var binary: String

        public init(uid: uid_t, gid: gid_t, groups: [gid_t] = [], binary: String) {
            self.uid = uid
            self.gid = gid
            self.groups = groups
            self.binary = binary
        }

        var setprivArguments: [String] {
            ["--reuid", "\(uid)", "--regid", "\(gid)"]
                + (groups.isEmpty ? ["--clear-groups"] : ["--groups", groups.map(String.init).joined(separator: ",")])
                + ["--", binary]
        }
    }

    public init(_ arguments: [String], environment: [String: String] = [:], as user: RunAs? = nil) throws {
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = user.setprivArguments + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: TestFixtures.binary)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "DWT_RELAY_CONFIG")
        env.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        for (pipe, target) in [(stdout, 0), (stderr, 1)] {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    if target == 0 { out.withLock { $0.append(chunk) } } else { err.withLock { $0.append(chunk) } }
                }
                drained.withLock { $0 += 1 }
            }
        }
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    public var outputText: String { out.withLock { String(decoding: $0, as: UTF8.self) } }
    public var errorText: String { err.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits for exit (killing it after `timeout`) and for its output to be read; returns the exit status.
    @discardableResult
    public func wait(timeout: Double = 30) async -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            signal(SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
        let drainDeadline = Date().addingTimeInterval(5)
        while drained.withLock({ $0 }) < 2 && Date() < drainDeadline { try? await Task.sleep(for: .milliseconds(5)) }
        return process.terminationStatus
    }

    /// Runs a command to completion: (exit status, stdout, stderr).
    public static func run(_ arguments: [String], environment: [String: String] = [:], as user: RunAs? = nil)
        async throws -> (status: Int32, out: String, err: String)
    {
        let child = try RelayProcess(arguments, environment: environment, as: user)
        let status = await child.wait(timeout: 60)
        return (status, child.outputText, child.errorText)
    }

    /// Writes `config` as YAML into `folder` and returns its path.
    public static func writeConfig(_ config: RelayConfig, in folder: TemporaryFolder, name: String = "dwt-relay.yaml")
        throws
        -> String
    {
        let path = folder.sub(name)
        try config.renderYAML().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
