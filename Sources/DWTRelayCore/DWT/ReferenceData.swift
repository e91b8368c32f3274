import Foundation

/// The five official reference lists (bundled copy of the service's GET endpoints).
public struct ReferenceData: Sendable {
    public static let kinds = [
        "ewc-codes", "hazardous-property-codes", "disposal-or-recovery-codes", "container-types", "pop-names",
    ]

    /// Raw JSON per kind, exactly as the service returns it.
    public let raw: [String: Data]
    public let ewcHazardous: [String: Bool]
    public let containerTypes: Set<String>
    public let hazardousPropertyCodes: Set<String>
    public let disposalOrRecoveryCodes: Set<String>
    public let popCodes: Set<String>
    /// In the service's order, as its messages list them.
    public let disposalOrRecoveryCodeList: [String]
    public let hazardousPropertyCodeList: [String]

    public init(raw: [String: Data]) throws {
        self.raw = raw
        func list(_ kind: String) throws -> [[String: Any]] {
            guard let data = raw[kind], let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
            else {
                throw ConfigError(key: "reference-data/\(kind)", "missing or not a JSON list")
            }
            return list
        }
        func ordered(_ kind: String) throws -> [String] { try list(kind).compactMap { $0["code"] as? String } }
        func codes(_ kind: String) throws -> Set<String> { Set(try ordered(kind)) }
        var hazardous: [String: Bool] = [:]
        for entry in try list("ewc-codes") {
            if let code = entry["code"] as? String { hazardous[code] = entry["isHazardous"] as? Bool ?? false }
        }
        ewcHazardous = hazardous
        containerTypes = try codes("container-types")
        hazardousPropertyCodes = try codes("hazardous-property-codes")
        disposalOrRecoveryCodes = try codes("disposal-or-recovery-codes")
        popCodes = try codes("pop-names")
        disposalOrRecoveryCodeList = try ordered("disposal-or-recovery-codes")
        hazardousPropertyCodeList = try ordered("hazardous-property-codes")
    }

    /// The copy bundled with this build.
    public static let bundled: ReferenceData = {
        var raw: [String: Data] = [:]
        for kind in kinds {
            if let url = Bundle.module.url(forResource: kind, withExtension: "json", subdirectory: "ReferenceData"),
                let data = try? Data(contentsOf: url)
            {
                raw[kind] = data
            }
        }
        do {
            return try ReferenceData(raw: raw)
        } catch {
            fatalError("bundled reference data is damaged: \(error)")
        }
    }()
}
