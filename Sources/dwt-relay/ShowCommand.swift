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
        let context = try options.context()
        let config = context.config
        let store = try context.store(.readOnly)
        let found =
            try ref.map { try store.list(reference: $0, limit: 1).first } ?? id.flatMap { try store.movement($0) }
        guard let stored = found else {
            printError("dwt-relay: no movement with \(ref.map { "reference or file \"\($0)\"" } ?? "id \(id ?? 0)")")
            throw ExitCode(1)
        }
        // Without the storage key (a member of the readers' group) the metadata is shown and the sealed parts
        // are said to be sealed; a wrong key is still an error.
        let detail = try store.detail(of: stored)
        if json {
            print(
                JSONText.encode(ShowOutput(movement: detail.movement, payload: detail.payload, events: detail.events)))
            return
        }
        let summary = JSONValue(encoding: detail.movement).fields
        for key in summary.keys.sorted() { print("\(key): \(Self.display(summary[key]!))") }
        print("events:")
        for event in detail.events {
            let parts: [(String, String?)] = [
                ("method", event.method), ("path", event.path), ("status", event.status.map(String.init)),
                ("from", event.from?.rawValue), ("to", event.to?.rawValue), ("message", event.message),
            ]
            print(
                "  \(event.at) \(event.kind.rawValue) "
                    + parts.compactMap { key, value in value.map { "\(key)=\($0)" } }.joined(separator: " "))
        }
        print("payload:")
        print(detail.payload.map { JSONText.encode($0) } ?? "  (\(MovementDetail.sealedNote))")
    }

    /// `show --json`: the movement (with its warnings and errors), the body as sent, the event log.
    struct ShowOutput: Encodable {
        var movement: MovementDetail.FlatMovement
        var payload: JSONValue?
        var events: [EventSummary]

        enum CodingKeys: CodingKey { case movement, payload, events }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(movement, forKey: .movement)
            try container.encode(payload ?? .null, forKey: .payload)
            try container.encode(events, forKey: .events)
        }
    }

    /// A value as a person reads it: `-` for none, JSON for lists (never Swift's `<null>` or `Optional(...)`).
    static func display(_ value: JSONValue) -> String {
        switch value {
        case .null: return "-"
        case .bool(let bool): return bool ? "yes" : "no"
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .string(let text): return text
        case .array(let array): return array.isEmpty ? "-" : JSONText.encode(value, pretty: false)
        case .object: return JSONText.encode(value, pretty: false)
        }
    }
}
