import ArgumentParser
import DWTRelayCore
import Foundation

/// Preflight, like `nginx -t`: prints the effective config (secrets redacted) and exits 78 (EX_CONFIG, as
/// `run` does) when `run` would refuse to start, naming each key and the fix.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Load the config, print the effective values (secrets redacted); exit 78 if `run` would refuse it.")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Also resolve the hosts, get a token and call one reference-data GET, timing each step.")
    var connect = false

    func run() async throws {
        let config = try options.loadConfigOrExit()
        print(config.render())
        let problems = Self.startupProblems(config)
        if problems.isEmpty {
            print("# ok: dwt-relay run would start with this config")
            if connect { try await checkConnection(config) }
            return
        }
        for problem in problems { print("# error: \(problem)") }
        printError("dwt-relay: \(problems.count) problem(s) would stop `dwt-relay run`; see the # error lines")
        throw ExitCode(RunCommand.configErrorExitCode)
    }

    /// Each step to Defra with its time; exits 1 at the first that fails (a connection, not a config, problem).
    func checkConnection(_ config: RelayConfig) async throws {
        let steps = await ConnectionCheck(config: config, clientSecret: try config.readClientSecret()).run()
        for step in steps {
            print("\(step.ok ? "ok  " : "FAIL") \(step.name) (\(step.milliseconds) ms): \(step.detail)")
        }
        if steps.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    /// Everything `run` checks before it starts, each as the message `run` would give.
    static func startupProblems(_ config: RelayConfig) -> [String] {
        var problems: [String] = []
        func check(_ body: () throws -> Void) {
            do { try body() } catch { problems.append("\(error)") }
        }
        do {
            _ = try config.readClientSecret()
            print("# client secret: found and readable")
        } catch {
            problems.append("\(error)")
        }
        if config.clientID == nil || config.clientID == "your-client-id" {
            problems.append(
                "api.client_id: not set (or still the example's placeholder); set the client id Defra issued")
        }
        check { _ = try StorageKey.load(config: config, create: false) }
        if let listen = config.httpListen { check { _ = try LocalAPI.address(listen, config: config) } }
        check { _ = try AlertSettings(config: config) }
        check { _ = try config.siteDefaults() }
        check { _ = try config.csvMapping() }
        for key in ["api.base_url", "api.token_url"] {
            let value = config.values[key] ?? ""
            if URL(string: value)?.scheme.map({ ["http", "https"].contains($0) }) != true
                || URL(string: value)?.host == nil
            {
                problems.append("\(key): \"\(value)\" is not an http(s) URL")
            }
        }
        return problems
    }
}
