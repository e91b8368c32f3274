import DWTRelayCore
import Foundation

/// The demo's movement files: Defra's example bodies (embedded here so the demo works from any folder)
/// plus a few made from them to show a service rejection and a revision.
enum DemoExamples {
    static func load(folder: String?, now: Date = Date()) throws -> [(name: String, data: Data)] {
        var files: [(name: String, data: Data)] = []
        if let folder {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
                .sorted()
            for name in names {
                if let data = FileManager.default.contents(atPath: folder + "/" + name) { files.append((name, data)) }
            }
        } else {
            files = DemoExampleBodies.all.map { ($0.name, Data($0.json.utf8)) }
        }
        files = rebased(files, now: now)
        guard let base = files.first(where: { $0.name.hasPrefix("basic-required-fields-only") }),
            var body = (try? JSONSerialization.jsonObject(with: base.data)) as? [String: Any]
        else { return files }
        // A body the service rejects: an EWC code that does not exist.
        if var items = body["wasteItems"] as? [[String: Any]] {
            items[0]["ewcCodes"] = ["999999"]
            var invalid = body
            invalid["wasteItems"] = items
            files.append(("demo-invalid-ewc-code.json", try JSONSerialization.data(withJSONObject: invalid)))
        }
        // A movement and, once it has its ID, a corrected revision with the same reference (sent as a PUT).
        body["yourUniqueReference"] = "DEMO-TICKET-0001"
        files.append(("demo-original-ticket.json", try JSONSerialization.data(withJSONObject: body)))
        if var receiver = body["receiver"] as? [String: Any] {
            receiver["siteName"] = "Receiver Ltd (corrected)"
            body["receiver"] = receiver
        }
        files.append(("demo-revision-ticket.json", try JSONSerialization.data(withJSONObject: body)))
        files.append((DemoWeighbridgeExport.fileName, Data(DemoWeighbridgeExport.csv().utf8)))
        return files
    }

    /// Defra's example bodies were received in 2025: sent as they are, every one is past its legal deadline
    /// and the office page opens CRITICAL. Their receipt times are moved to the last hour (five minutes apart,
    /// the demo says so), so the only problems a newcomer sees are the ones the demo stages on purpose.
    static func rebased(_ files: [(name: String, data: Data)], now: Date) -> [(name: String, data: Data)] {
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return files.enumerated().map { index, file in
            guard var body = (try? JSONSerialization.jsonObject(with: file.data)) as? [String: Any],
                body["dateTimeReceived"] != nil
            else { return file }
            let received = now.addingTimeInterval(-Double(60 - index * 5) * 60)
            body["dateTimeReceived"] = format.format(received)
            return (file.name, (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? file.data)
        }
    }

    static let rebaseNote =
        "  (Defra's example bodies were received in 2025; their receipt times are moved to the last hour, so "
        + "that deadlines count from today)"

    /// What each file should end as, from its name. (`error-missing-organisationapiid*` has no apiCode: the
    /// demo's `site.api_code`, which the CSV export needs, fills it in.)
    static func expectedState(_ name: String) -> String {
        if name.hasPrefix("error-missing-organisationapiid") { return "accepted" }
        if name.hasPrefix("error-") || name.hasPrefix("demo-invalid") { return "rejected" }
        return "accepted"
    }
}
