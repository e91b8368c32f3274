import ArgumentParser
import DWTRelayCore
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Check movement files offline as Defra's running service would: its status (201, 400, or the 500 it answers after storing a body it cannot finish), errors and warnings. Exit 0 valid, 1 otherwise."
    )

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "Movement files.") var paths: [String]

    func run() throws {
        // The service's lists cached by `refdata sync` when a store is readable, else the bundled copy.
        let store = (try? options.context()).flatMap { context in
            FileManager.default.fileExists(atPath: context.config.databasePath) ? try? context.store(.readOnly) : nil
        }
        let validator = MovementValidator(reference: ReferenceDataSource.current(store: store).data)
        var allValid = true
        var reports: [ValidationOutput] = []
        for path in paths {
            var report = MovementValidator.Report()
            // Read as intake reads it (`JSONNode`), so the verdict and the order of its errors are intake's.
            if let data = FileManager.default.contents(atPath: path),
                let object = (try? JSONNode.read(data))?.node.object
            {
                report = validator.validate(object["movement"]?.object ?? object)
            } else {
                report.errors = [ValidationIssue("", "InvalidType", "cannot read a JSON object from the file")]
            }
            let (errors, warnings, storedThenFails, status) =
                (report.errors, report.warnings, report.storedThenFails, report.status)
            allValid = allValid && status == 201
            reports.append(ValidationOutput(file: path, report: report))
            if !json {
                let verdict = ["valid", "INVALID (the service answers 400)", "STORED, THEN 500"]
                print("\(path): \(verdict[status == 201 ? 0 : status == 400 ? 1 : 2])")
                for error in errors { print("  error   \(error)") }
                if let storedThenFails { print("  error   \(storedThenFails)") }
                for warning in warnings { print("  warning \(warning)") }
            }
        }
        if json { print(JSONText.encode(reports)) }
        if !allValid { throw ExitCode(1) }
    }
}
