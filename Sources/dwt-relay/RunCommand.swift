import ArgumentParser
import DWTRelayCore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon in the foreground (systemd runs this).")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        MemoryTuning.limitMallocArenas()
        let config = try options.loadConfig()
        let logger = options.bootstrapLogging(level: config.logLevel)
        let secret = try config.readClientSecret()
        try await RelayDaemon.run(config: config, clientSecret: secret, logger: logger)
    }
}
