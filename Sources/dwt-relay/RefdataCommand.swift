import ArgumentParser
import DWTRelayCore
import Foundation
import Logging

struct RefdataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refdata", abstract: "Reference lists: fetch them from the service, or print them.",
        subcommands: [Sync.self, List.self])

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync", abstract: "Fetch the five reference lists and cache them in the store.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let context = try options.context()
            let config = context.config
            let store = try context.store(.readWrite)
            let client = try ReceiptClient(
                config: config, clientSecret: try config.readClientSecret(),
                logger: Logger(label: "dwt-relay.refdata") { _ in SwiftLogNoOpLogHandler() })
            do {
                let lists = try await client.fetchReferenceData()
                try ReferenceDataStore(store: store).save(lists, now: Date().timeIntervalSince1970)
                await client.shutdown()
                let data = try ReferenceData(raw: lists)
                print(
                    "cached: \(data.ewcHazardous.count) EWC codes, \(data.hazardousPropertyCodes.count) hazardous property codes, "
                        + "\(data.disposalOrRecoveryCodes.count) disposal or recovery codes, \(data.containerTypes.count) container types, "
                        + "\(data.popCodes.count) POP codes")
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Print one list: \(ReferenceData.kinds.joined(separator: ", ")).")
        @OptionGroup var options: GlobalOptions
        @Flag(name: .long, help: "Print the list as the service returns it (JSON).") var json = false
        @Argument(help: "Which list.") var kind: String

        func run() throws {
            guard ReferenceData.kinds.contains(kind) else {
                throw ValidationError("unknown list \"\(kind)\"; one of \(ReferenceData.kinds.joined(separator: ", "))")
            }
            let context = try options.context()
            let config = context.config
            let store = try? context.store(.readOnly)
            let (data, origin) = ReferenceDataSource.current(store: store)
            let raw = data.raw[kind] ?? Data("[]".utf8)
            if json {
                print(String(decoding: raw, as: UTF8.self))
                return
            }
            printError("# \(kind), \(origin)")
            let entries = (try? JSONSerialization.jsonObject(with: raw)) as? [[String: Any]] ?? []
            for entry in entries {
                let text = ["description", "shortDesc", "chemicalName"].compactMap { entry[$0] as? String }.first ?? ""
                var line = "\(entry["code"] ?? "?")\t\(text)"
                if let hazardous = entry["isHazardous"] as? Bool, hazardous { line += "\t(hazardous)" }
                print(line)
            }
        }
    }
}
