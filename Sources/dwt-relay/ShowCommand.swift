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
        guard let stored = found, let id = stored.id else {
            printError("dwt-relay: no movement with \(ref.map { "reference or file \"\($0)\"" } ?? "id \(id ?? 0)")")
            throw ExitCode(1)
        }
        // Without the storage key (a member of the readers' group) the metadata is shown and the sealed parts
        // are said to be sealed; a wrong key is still an error.
        let movement: Movement?
        do {
            movement = try store.decrypted(stored)
        } catch StoreError.keyMissing {
            movement = nil
        }
        let events = try store.events(id)
        var summary = stored.listJSON
        let payload: Any
        if let movement {
            payload = (try? JSONSerialization.jsonObject(with: movement.payload)) ?? NSNull()
            summary["warnings"] = movement.resultJSON["warnings"]
            summary["errors"] = movement.resultJSON["errors"]
        } else {
            payload = NSNull()
            summary["sealed"] = Self.sealedNote
        }
        summary["holdReason"] = stored.holdReason?.rawValue ?? NSNull()
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
        print(movement == nil ? "  (\(Self.sealedNote))" : JSONText.encode(payload))
    }

    static let sealedNote =
        "payload, warnings and errors are sealed with the storage key, which this user may not read; "
        + "run as root to see them"

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
