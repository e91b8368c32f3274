import Foundation

/// Renders the result file of a final movement (the fields of `MovementResult`).
///
/// Written by hand: on Linux, building a dictionary and passing it through JSONSerialization cost more
/// CPU than everything else the sender does per movement, and a backlog after an outage writes one
/// file per movement.
enum ResultFile {
    /// Pretty JSON text with a trailing newline. `movement` must have readable (decrypted) fields.
    static func render(_ movement: Movement) -> String {
        var object = FlatJSONObject()
        object.add("id", movement.id ?? 0)
        object.add("state", movement.state.rawValue)
        object.add("wasteTrackingId", movement.wasteTrackingId)
        object.add("sourceFile", movement.sourceFile)
        object.add("yourUniqueReference", movement.yourUniqueReference)
        object.addRaw("warnings", arrayText(movement.warnings))
        object.addRaw("errors", arrayText(movement.errors))
        object.add("possibleDuplicate", movement.possibleDuplicate)
        object.add("notFound", movement.notFound)
        object.add("attempts", movement.attempts)
        object.add("receivedAt", ISO8601.string(movement.receivedAt))
        if movement.state == .accepted { object.add("acceptedAt", ISO8601.optional(movement.acceptedAt)) }
        object.add("finishedAt", ISO8601.optional(movement.finishedAt))
        object.add("serviceChargeExpiry", movement.serviceChargeExpiry)
        object.addRaw("notes", arrayText(movement.intakeNotes))
        return object.render() + "\n"
    }

    /// The stored warnings or errors (JSON we encoded ourselves) re-encoded compactly; `[]` when absent.
    private static func arrayText(_ stored: String?) -> String {
        guard let stored else { return "[]" }
        return JSONText.encode(Movement.parseArray(stored), pretty: false, sorted: true)
    }
}

/// A one-level JSON object written in insertion order with two-space indentation.
struct FlatJSONObject {
    private var fields: [(key: String, json: String)] = []

    mutating func add(_ key: String, _ value: String?) { fields.append((key, value.map(Self.quoted) ?? "null")) }
    mutating func add(_ key: String, _ value: Int64) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Bool) { fields.append((key, value ? "true" : "false")) }
    /// `json` must already be valid JSON text.
    mutating func addRaw(_ key: String, _ json: String) { fields.append((key, json)) }

    func render() -> String {
        var text = "{\n"
        for (index, field) in fields.enumerated() {
            text += "  " + Self.quoted(field.key) + " : " + field.json
            text += index == fields.count - 1 ? "\n" : ",\n"
        }
        return text + "}"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, the rest kept as UTF-8.
    static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = [0x22]
        bytes.reserveCapacity(value.utf8.count + 2)
        let hex = Array("0123456789abcdef".utf8)
        for byte in value.utf8 {
            switch byte {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, 0x6E]
            case 0x0D: bytes += [0x5C, 0x72]
            case 0x09: bytes += [0x5C, 0x74]
            case 0..<0x20: bytes += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
        return String(decoding: bytes, as: UTF8.self)
    }
}
