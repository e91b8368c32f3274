import ArgumentParser
import DWTRelayCore

@main
struct DWTRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dwt-relay",
        abstract: "Store-and-forward relay from weighbridge software to Defra's Digital Waste Tracking Receipt API.",
        version: RelayVersion.current,
        subcommands: [
            RunCommand.self, StatusCommand.self, SubmitCommand.self, ListCommand.self, ShowCommand.self,
            RetryCommand.self, ValidateCommand.self, ExportCommand.self, PurgeCommand.self, SandboxCommand.self,
            DemoCommand.self, CheckConfigCommand.self, PatCommand.self, RefdataCommand.self, AckCommand.self,
            BackupCommand.self, RestoreCommand.self, TodayCommand.self, AlertCommand.self, TryMappingCommand.self,
        ])
}
