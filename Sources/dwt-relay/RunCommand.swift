import ArgumentParser
import DWTRelayCore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon in the foreground (systemd runs this).")

    @OptionGroup var options: GlobalOptions

    /// sysexits(3) EX_CONFIG: the unit lists it in `RestartPreventExitStatus=`, so a broken config stops
    /// the service with the key named in the journal instead of restarting it every few seconds.
    static let configErrorExitCode: Int32 = 78

    func run() async throws {
        MemoryTuning.limitMallocArenas()
        do {
            let context = try options.context()
            let config = context.config
            let logger = options.bootstrapLogging(level: config.logLevel)
            let secret = try config.readClientSecret()
            try await RelayDaemon.run(config: config, clientSecret: secret, logger: logger)
        } catch let error as ConfigError {
            printError("dwt-relay: \(error); fix it, then start dwt-relay again (check with: dwt-relay check-config)")
            throw ExitCode(Self.configErrorExitCode)
        }
    }
}
