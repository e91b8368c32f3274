import Foundation

/// What people and weighbridge packages type, put into the API's form, visibly: every change is recorded on
/// the movement (its event log) so the site can fix it at the source. What cannot be read one way only is
/// refused with the value shown.
///
/// - EWC codes with spaces, dots or the hazardous star (`17 01 01`, `17.06.05*`) become six digits.
/// - Fixed values in another case or spelling (`solid`, `tonnes`, `provided with waste`) become the API's.
/// - A UK local `dateTimeReceived` without an offset becomes UTC with the right GMT or BST offset; a local
///   time the clocks skip (spring) or pass twice (autumn) is refused.
/// - A weight typed as text with its unit (`"2.5t"`) is refused: which unit was meant is the site's call.
struct TypedInputNormaliser {
    /// The API's fixed values by the last key of their path (receipt-api.yml `enum`s). Looked up along the
    /// list for every string in a body: hashing each key into a dictionary cost more.
    /// The lists are the validator's own (`ValidationRules`), so the two never disagree on a value.
    static let fixedValues: [(key: String, values: [String])] = [
        ("physicalForm", ValidationRules.physicalForms),
        ("metric", ValidationRules.weightMetrics),
        ("meansOfTransport", ValidationRules.meansOfTransport),
        ("sourceOfComponents", ValidationRules.sourcesOfComponents),
    ]

    /// The body put into the API's form, and one line per change (`path: "was" → "now"`).
    static func normalise(_ body: JSONNode.Object) throws(IntakeRejection) -> (
        body: JSONNode.Object, changes: [String]
    ) {
        var changes: [String] = []
        var path: [Step] = []
        var result = try normalised(.object(body), path: &path, changes: &changes)?.object ?? body
        if let text = result["dateTimeReceived"]?.string, let utc = try localToUTC(text) {
            result["dateTimeReceived"] = .string(utc)
            changes.append("dateTimeReceived: \"\(text)\" (UK time) → \"\(utc)\"")
        }
        return (result, changes)
    }

    /// One step of the way to a value; the path is written out only for a change or a refusal (building it
    /// for every value was as costly as the rest of the pass).
    private enum Step {
        case key(String)
        case index(Int)
    }

    /// `wasteItems[0].weight.amount`, as the change notes and refusals name a place.
    private static func render(_ path: some Collection<Step>) -> String {
        var text = ""
        for step in path {
            switch step {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// The value with what people typed put into the API's form, or nil when nothing in it changed (then
    /// nothing is copied).
    private static func normalised(_ value: JSONNode, path: inout [Step], changes: inout [String])
        throws(IntakeRejection) -> JSONNode?
    {
        switch value {
        case .object(let object):
            var changed: JSONNode.Object? = nil
            // By position, looking at a member's key before taking its value: copying every member and string
            // out of the tree was most of this pass's cost (retains, in perf).
            for position in object.members.indices {
                switch object.members[position].value {
                case .object, .array:
                    let key = object.members[position].key
                    path.append(.key(key))
                    defer { path.removeLast() }
                    let new: JSONNode?
                    if key == "ewcCodes", case .array(let codes) = object.members[position].value {
                        new = tidiedEWCCodes(codes, path: path, changes: &changes).map(JSONNode.array)
                    } else {
                        new = try normalised(object.members[position].value, path: &path, changes: &changes)
                    }
                    if let new {
                        changed = changed ?? object
                        changed?[key] = new
                    }
                case .string:
                    // Most strings are none of these: their key is compared in place, nothing copied.
                    let isAmount = object.members[position].key == "amount"
                    let fixed = fixedValues.first(where: { $0.key.hasSameUTF8(as: object.members[position].key) })
                    guard isAmount || fixed != nil, case .string(let text) = object.members[position].value else {
                        continue
                    }
                    let key = object.members[position].key
                    if isAmount {
                        let field = render(path + [.key(key)])
                        let parent = render(path)
                        throw IntakeRejection(
                            field: field,
                            "is text (\"\(text)\"), not a number; write the number alone (2.5) and the unit in "
                                + "\(parent.isEmpty ? "" : parent + ".")metric (Tonnes, Kilograms or Grams)")
                    }
                    guard let allowed = fixed?.values, !allowed.contains(text),
                        let match = allowed.first(where: { comparable($0) == comparable(text) })
                    else { continue }
                    changes.append("\(render(path + [.key(key)])): \"\(text)\" → \"\(match)\"")
                    changed = changed ?? object
                    changed?[key] = .string(match)
                default:
                    continue
                }
            }
            return changed.map(JSONNode.object)
        case .array(let array):
            var changed: [JSONNode]? = nil
            for index in array.indices where array[index].isContainer {
                path.append(.index(index))
                defer { path.removeLast() }
                if let new = try normalised(array[index], path: &path, changes: &changes) {
                    changed = changed ?? array
                    changed?[index] = new
                }
            }
            return changed.map(JSONNode.array)
        default:
            return nil
        }
    }

    /// The codes with each one written as six digits, or nil when none changed.
    private static func tidiedEWCCodes(_ codes: [JSONNode], path: [Step], changes: inout [String]) -> [JSONNode]? {
        var tidied: [JSONNode]? = nil
        for (index, code) in codes.enumerated() {
            guard let text = code.string, let tidy = ewcCode(text), tidy != text else { continue }
            changes.append("\(render(path))[\(index)]: \"\(text)\" → \"\(tidy)\"")
            tidied = tidied ?? codes
            tidied?[index] = .string(tidy)
        }
        return tidied
    }

    /// `17 01 01`, `17.06.05*`, `170605*` → six digits; nil when it is not a six-digit code once tidied.
    static func ewcCode(_ text: String) -> String? {
        let tidy = text.filter { !($0 == " " || $0 == "." || $0 == "*" || $0 == "-") }
        return tidy.count == 6 && tidy.allSatisfy(\.isASCII) && tidy.allSatisfy(\.isNumber) ? tidy : nil
    }

    static func comparable(_ text: String) -> String {
        text.lowercased().filter { $0.isLetter }
    }

    /// A UK local date-time without an offset (`2026-11-29T14:05`, `2026-11-29 14:05:30`) in UTC; nil when it
    /// already has an offset or is not such a time. Refuses a local time that does not exist or exists twice.
    static func localToUTC(_ text: String) throws(IntakeRejection) -> String? {
        // Most times arrive in UTC already (`...Z`): only 16 to 23 characters ending in a digit can match.
        guard (16...23).contains(text.utf8.count), let last = text.utf8.last, last >= 0x30, last <= 0x39 else {
            return nil
        }
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$"#
        guard let match = text.range(of: pattern, options: .regularExpression), match == text.startIndex..<text.endIndex
        else { return nil }
        let numbers = text.split(whereSeparator: { "-T :.".contains($0) }).compactMap { Int($0) }
        guard numbers.count >= 5 else { return nil }
        var components = DateComponents()
        components.year = numbers[0]
        components.month = numbers[1]
        components.day = numbers[2]
        components.hour = numbers[3]
        components.minute = numbers[4]
        components.second = numbers.count > 5 ? numbers[5] : 0
        let fraction = text.split(separator: ".").dropFirst().first.map { Double("0." + $0) ?? 0 } ?? 0
        // Which instants show this wall time in London: none (the spring gap) or two (the autumn hour).
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        // Calendar rolls month 14 into the next year: only a real date and time is converted.
        guard let asUTC = utc.date(from: components),
            utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: asUTC) == components
        else { return nil }
        let zone = UKTime.zone
        let candidates = [0, 3600].compactMap { offset -> Date? in
            let instant = asUTC.addingTimeInterval(-Double(offset))
            return zone.secondsFromGMT(for: instant) == offset ? instant : nil
        }
        guard candidates.count == 1, let instant = candidates.first else {
            throw IntakeRejection(
                field: "dateTimeReceived",
                "\"\(text)\" has no UTC offset and "
                    + (candidates.isEmpty
                        ? "does not exist in UK time (the clocks go forward that hour)"
                        : "happens twice in UK time (the clocks go back that hour)")
                    + "; give it with its offset, e.g. \(text.prefix(10))T01:30:00+01:00")
        }
        return ISO8601.string(instant.timeIntervalSince1970 + fraction)
    }
}
