import ArgumentParser
import DWTRelayCore
import Foundation

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Load the config and print the effective values (secrets redacted).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let config = try options.loadConfig()
        print(config.render())
        do {
            _ = try config.readClientSecret()
            print("# client secret: found and readable")
        } catch {
            print("# client secret: \(error)")
        }
        if config.clientID == nil { print("# warning: api.client_id is not set; the daemon cannot deliver") }
    }
}
