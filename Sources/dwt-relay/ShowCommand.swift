import ArgumentParser
import DWTRelayCore
import Foundation

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one movement: payload, outcome and its event log.")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Option(name: .long, help: "Find it by yourUniqueReference or ticket file name (the latest) instead of ID.")
    var ref: String?
    @Argument(help: "Local movement ID.") var id: Int64?

    func validate() throws {
        guard (id == nil) != (ref == nil) else { throw ValidationError("give a movement ID or --ref, not both") }
    }

    func run() throws {
        let config = try options.loadConfig()
        let store = try options.openStore(config, readOnly: true)
        let found =
            try ref.map { try store.list(reference: $0, limit: 1).first } ?? id.flatMap { try store.movement($0) }
        guard let movement = try found.map(store.decrypted), let id = movement.id else {
            printError("dwt-relay: no movement with \(ref.map { "reference or file \"\($0)\"" } ?? "id \(id ?? 0)")")
            throw ExitCode(1)
        }
        let events = try store.events(id)
        let payload = (try? JSONSerialization.jsonObject(with: movement.payload)) ?? NSNull()
        var summary = movement.listJSON
        summary["warnings"] = movement.resultJSON["warnings"]
        summary["errors"] = movement.resultJSON["errors"]
        summary["holdReason"] = movement.holdReason?.rawValue ?? NSNull()
        let eventList = events.map(\.json)
        if json {
            print(JSONText.encode(["movement": summary, "payload": payload, "events": eventList]))
            return
        }
        for key in summary.keys.sorted() { print("\(key): \(Self.display(summary[key]!))") }
        print("events:")
        for event in eventList {
            let parts = ["method", "path", "status", "from", "to", "message"].compactMap { key in
                event[key].map { "\(key)=\($0)" }
            }
            print("  \(event["at"]!) \(event["kind"]!) " + parts.joined(separator: " "))
        }
        print("payload:")
        print(JSONText.encode(payload))
    }

    /// A value as a person reads it: `-` for none, JSON for lists (never Swift's `<null>` or `Optional(...)`).
    static func display(_ value: Any) -> String {
        switch value {
        case is NSNull: return "-"
        case let bool as Bool: return bool ? "yes" : "no"
        case let array as [Any]: return array.isEmpty ? "-" : JSONText.encode(array, pretty: false)
        case let object as [String: Any]: return JSONText.encode(object, pretty: false)
        default: return "\(value)"
        }
    }
}
