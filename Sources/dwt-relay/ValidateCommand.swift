import ArgumentParser
import DWTRelayCore
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Check movement files offline against the spec's rules and the bundled reference data. Exit 0 valid, 1 invalid."
    )

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "Movement files.") var paths: [String]

    func run() throws {
        // The service's lists cached by `refdata sync` when a store is readable, else the bundled copy.
        let config = try? options.loadConfig()
        let store = config.flatMap { config in
            FileManager.default.fileExists(atPath: config.databasePath)
                ? try? options.openStore(config, readOnly: true) : nil
        }
        let validator = MovementValidator(reference: ReferenceDataSource.current(store: store).data)
        var allValid = true
        var reports: [[String: Any]] = []
        for path in paths {
            var errors: [ValidationIssue] = []
            var warnings: [ValidationIssue] = []
            if let data = FileManager.default.contents(atPath: path),
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            {
                let body = object["movement"] as? [String: Any] ?? object
                let report = validator.validate(body)
                errors = report.errors
                warnings = report.warnings
            } else {
                errors = [ValidationIssue("", "InvalidType", "cannot read a JSON object from the file")]
            }
            allValid = allValid && errors.isEmpty
            reports.append([
                "file": path, "valid": errors.isEmpty, "errors": errors.map(\.json), "warnings": warnings.map(\.json),
            ])
            if !json {
                print("\(path): \(errors.isEmpty ? "valid" : "INVALID")")
                for error in errors { print("  error   \(error)") }
                for warning in warnings { print("  warning \(warning)") }
            }
        }
        if json { print(JSONText.encode(reports)) }
        if !allValid { throw ExitCode(1) }
    }
}
