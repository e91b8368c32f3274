import ArgumentParser
import DWTRelayCore
import Foundation

struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert", abstract: "Alerts: send a test message through each configured channel.",
        subcommands: [AlertTestCommand.self])
}

struct AlertTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a test alert through each channel (webhook, e-mail) now; exit 1 if any fails.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = try options.context()
        let config = context.config
        let settings: AlertSettings
        do {
            settings = try AlertSettings(config: config)
        } catch {
            printError("dwt-relay: \(error)")
            throw ExitCode(78)
        }
        guard !settings.channels.isEmpty else {
            printError("dwt-relay: no alert channel is configured (alerts.webhook_url, alerts.email_to)")
            throw ExitCode(78)
        }
        let delivery = AlertDelivery(settings: settings)
        var failed = false
        let now = Date().timeIntervalSince1970
        for channel in settings.channels {
            let alert = Alert.test(channel: channel, now: now)
            let started = Date()
            do {
                try await delivery.send(alert, officeAddress: config.httpListen.map { "http://\($0)/" })
                print("\(channel.rawValue): sent (\(Int(Date().timeIntervalSince(started) * 1000)) ms)")
            } catch {
                print("\(channel.rawValue): FAILED: \(error)")
                failed = true
            }
        }
        await delivery.shutdown()
        if failed { throw ExitCode(1) }
    }
}
