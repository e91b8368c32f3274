import DWTRelayCore
import Foundation

/// The real `dwt-relay` binary as a child process, for tests that kill it or read its exit code.
public final class RelayProcess: @unchecked Sendable {
    public let process = Process()
    public let stdout = Pipe()
    public let stderr = Pipe()

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: SharedFixtures.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "DWT_RELAY_CONFIG")
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit (killing it after `timeout`) and returns the exit status.
    @discardableResult
    public func wait(timeout: Double = 30) async -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    public var errorText: String { String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self) }

    /// Runs a command to completion: (exit status, stdout, stderr).
    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) async throws
        -> (status: Int32, out: String, err: String)
    {
        let child = try RelayProcess(arguments, environment: environment)
        let out = child.stdout.fileHandleForReading.readDataToEndOfFile()
        let err = child.stderr.fileHandleForReading.readDataToEndOfFile()
        let status = await child.wait(timeout: 60)
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Writes `config` as YAML into `folder` and returns its path.
    public static func writeConfig(_ config: RelayConfig, in folder: TemporaryFolder, name: String = "dwt-relay.yaml")
        throws -> String
    {
        let path = folder.sub(name)
        try config.renderYAML().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
