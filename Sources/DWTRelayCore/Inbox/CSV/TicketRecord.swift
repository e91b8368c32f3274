import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A ticket that is not an API body, read as one row through the mapping (`intake.mapping_file`): a flat
/// JSON object (a weighbridge web app's ticket), or an XML document of one ticket (what a weighbridge posts
/// to an accounting system), its elements as fields. The fields become a heading row and one data row, so
/// the mapping's every rule (placement, dates, units, groups, refusals by the site's own field names) holds
/// for them as for a CSV export.
public enum TicketRecord {
    /// The fields of a flat JSON object (every value a string, number, boolean or null) that names none of
    /// the API body's own fields; nil for anything else. An API body has objects and arrays inside, and a
    /// flat object with `apiCode` or `yourUniqueReference` is an API body with its parts missing: it gets
    /// the API's own errors, not a mapping.
    public static func flatJSON(_ data: Data) -> [(name: String, value: String)]? {
        // Cheap before parsing: an API body always nests, so one `{` and no `[` is the only shape to try.
        var braces = 0
        for byte in data {
            if byte == UInt8(ascii: "[") { return nil }
            if byte == UInt8(ascii: "{") {
                braces += 1
                if braces > 1 { return nil }
            }
        }
        guard braces == 1, let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            !object.isEmpty,
            !object.keys.contains(where: {
                MovementValidator.topLevelKeys.contains($0) || $0 == "movement" || $0 == "wasteTrackingId"
            })
        else { return nil }
        var fields: [(name: String, value: String)] = []
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            switch value {
            case is NSNull: fields.append((name, ""))
            case let text as String: fields.append((name, text))
            case let number as NSNumber where JSONNode.isFoundationBoolean(value):
                fields.append((name, number.boolValue ? "Yes" : "No"))
            case let number as NSNumber:
                fields.append((name, "\(number)"))
            default: return nil
            }
        }
        return fields
    }

    /// The leaf elements of a one-ticket XML document as fields (`<NetWeight>8460</NetWeight>`). A document
    /// type declaration is refused unread (no entities, no external files); a field named twice is refused.
    public static func xml(_ data: Data) throws(IntakeRejection) -> [(name: String, value: String)] {
        let head = String(decoding: data.prefix(4096), as: UTF8.self).uppercased()
        if head.contains("<!DOCTYPE") || head.contains("<!ENTITY") {
            throw IntakeRejection(
                "the XML declares a document type (<!DOCTYPE>); dwt-relay reads plain XML tickets only: have the "
                    + "weighbridge software leave the declaration out")
        }
        let reader = LeafReader()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse() else {
            let line = parser.lineNumber
            throw IntakeRejection(
                "not well-formed XML (line \(line)): \(parser.parserError.map { "\($0.localizedDescription)" } ?? "")")
        }
        if let mixed = reader.textBesideElements {
            throw IntakeRejection(
                field: mixed,
                "the element <\(mixed)> holds text beside other elements; a ticket's fields are elements that hold "
                    + "only text (the text would have been dropped)")
        }
        if let twice = reader.repeated {
            throw IntakeRejection(
                field: twice,
                "the element <\(twice)> appears more than once; one ticket per file, each field once (a ticket of "
                    + "several waste items numbers them: <EWC1>, <EWC2>, read with item_groups: in the mapping)")
        }
        guard !reader.fields.isEmpty else { throw IntakeRejection("the XML holds no fields") }
        return reader.fields
    }

    /// The fields as a heading row and one data row of a CSV, quoted where needed (RFC 4180).
    static func csv(_ fields: [(name: String, value: String)]) -> Data {
        func quoted(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let header = fields.map { quoted($0.name) }.joined(separator: ",")
        let row = fields.map { quoted($0.value) }.joined(separator: ",")
        return Data((header + "\r\n" + row + "\r\n").utf8)
    }

    /// Collects each leaf element's text under its name, and each attribute as `element@attribute`, in
    /// document order: nothing the ticket holds is left out (an attribute is a field to place or ignore).
    private final class LeafReader: NSObject, XMLParserDelegate {
        var fields: [(name: String, value: String)] = []
        var repeated: String?
        /// An element that holds both text and other elements: its text is no field.
        var textBesideElements: String?
        private var stack: [(name: String, text: String, hasChildren: Bool)] = []
        private var seen: Set<String> = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            if !stack.isEmpty { stack[stack.count - 1].hasChildren = true }
            stack.append((elementName, "", false))
            for (attribute, value) in attributeDict.sorted(by: { $0.key < $1.key }) {
                add(elementName + "@" + attribute, value)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            guard let element = stack.popLast() else { return }
            let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
            // The root and the elements that hold others are structure; the leaves are the ticket's fields.
            if element.hasChildren || stack.isEmpty {
                if !text.isEmpty, textBesideElements == nil { textBesideElements = element.name }
                return
            }
            add(element.name, text)
        }

        private func add(_ name: String, _ value: String) {
            if !seen.insert(name).inserted, repeated == nil { repeated = name }
            fields.append((name, value))
        }
    }
}
