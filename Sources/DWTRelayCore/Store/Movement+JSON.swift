import Foundation

extension Movement {
    static func parseArray(_ text: String?) -> Any {
        guard let text, let data = text.data(using: .utf8),
            let value = try? JSONSerialization.jsonObject(with: data)
        else { return [Any]() }
        return value
    }

    /// The stable `list --json` item (design.md), also the core of result files and exports.
    public var listJSON: [String: Any] {
        var item: [String: Any] = [
            "id": id ?? 0,
            "state": state.rawValue,
            "source": source.rawValue,
            "sourceFile": sourceFile ?? NSNull(),
            "yourUniqueReference": yourUniqueReference ?? NSNull(),
            "wasteTrackingId": wasteTrackingId ?? NSNull(),
            "kind": kind.rawValue,
            "attempts": attempts,
            "lastError": lastError ?? NSNull(),
            "lastStatus": lastStatus ?? NSNull(),
            "receivedAt": ISO8601.string(receivedAt),
            "acceptedAt": ISO8601.optional(acceptedAt) ?? NSNull(),
            "possibleDuplicate": possibleDuplicate,
            "notFound": notFound,
            "apiCode": apiCode ?? NSNull(),
            "dateTimeReceived": dateTimeReceived ?? NSNull(),
            "deadline": ISO8601.optional(deadlineAt) ?? NSNull(),
        ]
        if let site { item["site"] = site }
        if state == .queued, let nextAttemptAt { item["nextAttemptAt"] = ISO8601.string(nextAttemptAt) }
        if state == .held { item["holdReason"] = holdReason?.rawValue ?? "unknown" }
        if let targetWasteTrackingId { item["targetWasteTrackingId"] = targetWasteTrackingId }
        if let revisionOf { item["revisionOf"] = revisionOf }
        return item
    }

    /// The result file written for the weighbridge software once the outcome is final.
    public var resultJSON: [String: Any] {
        var result: [String: Any] = [
            "id": id ?? 0,
            "sourceFile": sourceFile ?? NSNull(),
            "yourUniqueReference": yourUniqueReference ?? NSNull(),
            "state": state.rawValue,
            "wasteTrackingId": wasteTrackingId ?? NSNull(),
            "warnings": Self.parseArray(warnings),
            "errors": Self.parseArray(errors),
            "possibleDuplicate": possibleDuplicate,
            "notFound": notFound,
            "attempts": attempts,
            "receivedAt": ISO8601.string(receivedAt),
            "finishedAt": ISO8601.optional(finishedAt) ?? NSNull(),
            "serviceChargeExpiry": serviceChargeExpiry ?? NSNull(),
            "notes": Self.parseArray(intakeNotes),
        ]
        if state == .accepted { result["acceptedAt"] = ISO8601.optional(acceptedAt) ?? NSNull() }
        return result
    }
}

/// Stable JSON text for CLI output and files.
public enum JSONText {
    /// `sorted: false` skips key sorting, which dominates the cost of writing a result file.
    public static func encode(_ value: Any, pretty: Bool = true, sorted: Bool = true) -> String {
        var options: JSONSerialization.WritingOptions = [.withoutEscapingSlashes]
        if sorted { options.insert(.sortedKeys) }
        if pretty { options.insert(.prettyPrinted) }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: options) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
