import Foundation

/// A site's fixed facts (receiver, receipt address, usual carrier...) as a partial movement body, merged into
/// every movement of that site before it is checked, stored and sent (`site.defaults_file`, or `defaults_file`
/// of an entry in `sites:`).
///
/// The rule: a value in the movement wins; an object in both is merged key by key, the same rule inside; an
/// array is never merged element by element (the movement's array, if it has one, is taken whole); `null` in
/// the movement counts as not given. What came from the defaults is recorded on the movement.
public struct SiteDefaults: Sendable {
    public let path: String
    /// The partial body.
    let object: JSONNode.Object

    /// Reads a JSON or YAML file holding one object; `key` names the setting in errors.
    public init(path: String, key: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: key, "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let parsed: Any?
        if let json = try? JSONSerialization.jsonObject(with: data) {
            parsed = json
        } else {
            parsed = try BoundedYAML.load(text, path: path, key: key)
        }
        guard let parsed = parsed as? [String: Any], JSONSerialization.isValidJSONObject(parsed),
            let object = JSONNode(foundation: parsed)?.object
        else {
            throw ConfigError(key: key, "\(path) must hold one object (a partial movement body)")
        }
        if object["apiCode"] != nil {
            throw ConfigError(key: key, "\(path) sets apiCode; use site.api_code (or api_code in sites:) for it")
        }
        for field in Self.identifyingFields where object[field] != nil {
            throw ConfigError(
                key: key,
                "\(path) sets \(field), which identifies one load: merged into every ticket without one, it "
                    + "would make different loads one movement (or give them one time). Take it out; each "
                    + "ticket carries its own")
        }
        self.path = path
        self.object = object
    }

    /// Fields that identify one load, never a site's fixed fact: a default `yourUniqueReference` turned three
    /// loads into one movement and two revisions of it (Defra keeps only the last), and a default
    /// `dateTimeReceived` would give loads without one a made-up time.
    static let identifyingFields = ["yourUniqueReference", "wasteTrackingId", "dateTimeReceived", "movement"]

    /// `body` with the defaults filled in, and the dotted paths that came from the defaults.
    public func merge(into body: JSONNode.Object) -> (body: JSONNode.Object, filled: [String]) {
        var filled: [String] = []
        let merged = Self.merge(object, into: body, at: "", filled: &filled)
        return (merged, filled.sorted())
    }

    static func merge(
        _ defaults: JSONNode.Object, into body: JSONNode.Object, at prefix: String, filled: inout [String]
    )
        -> JSONNode.Object
    {
        var result = body
        for member in defaults.members {
            let key = member.key
            let path = prefix.isEmpty ? key : prefix + "." + key
            switch (body[key], member.value) {
            case (nil, _), (.null?, _):
                result[key] = member.value
                filled.append(path)
            case (.object(let inner)?, .object(let innerDefaults)):
                result[key] = .object(merge(innerDefaults, into: inner, at: path, filled: &filled))
            default:
                break  // the movement's own value (an array is taken whole)
            }
        }
        return result
    }
}
