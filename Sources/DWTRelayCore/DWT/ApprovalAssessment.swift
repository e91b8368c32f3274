import Foundation

/// Defra's production approval test (PAT) endpoint: vendors send each scenario ID with the waste tracking
/// ID of the movement they made for it, and read back Pass or Fail with a reason. This is the request and
/// answer, and the checks the endpoint applies, as Defra's UAT suite describes them
/// (`digital-waste-tracking-uat` `test/specs/WasteMovementBackendAPI/ProductionApprovalTests/`); the
/// sandbox answers with them so `dwt-relay pat --submit` can be tried end to end.
public enum ApprovalAssessment {
    /// The scenarios the endpoint assesses, in its order (C01 and H02 are rejections: no ID to send).
    public static let scenarioIDs = [
        "R01", "R02", "R03", "R04", "R05", "R07", "C02", "B01", "P01", "H01", "H03", "X01",
    ]

    public struct Entry: Sendable, Equatable {
        public var scenarioId: String
        public var wasteTrackingId: String

        public init(scenarioId: String, wasteTrackingId: String) {
            self.scenarioId = scenarioId
            self.wasteTrackingId = wasteTrackingId
        }

        public var json: [String: Any] { ["scenarioId": scenarioId, "wasteTrackingId": wasteTrackingId] }
    }

    public struct Outcome: Sendable, Equatable, Encodable {
        public var scenarioId: String
        public var wasteTrackingId: String
        public var passed: Bool
        public var message: String

        enum CodingKeys: String, CodingKey { case scenarioId, wasteTrackingId, status, message }

        /// Defra's verdict as Defra writes it (`status`: `Pass` or `Fail`).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scenarioId, forKey: .scenarioId)
            try container.encode(wasteTrackingId, forKey: .wasteTrackingId)
            try container.encode(passed ? "Pass" : "Fail", forKey: .status)
            try container.encode(message, forKey: .message)
        }

        public init(scenarioId: String, wasteTrackingId: String, passed: Bool, message: String) {
            self.scenarioId = scenarioId
            self.wasteTrackingId = wasteTrackingId
            self.passed = passed
            self.message = message
        }

        public init?(json: [String: Any]) {
            guard let scenario = json["scenarioId"] as? String, let id = json["wasteTrackingId"] as? String,
                let status = json["status"] as? String
            else { return nil }
            self.init(
                scenarioId: scenario, wasteTrackingId: id, passed: status == "Pass",
                message: json["message"] as? String ?? "")
        }
    }

    /// The endpoint's request checks, with its keys and messages (the request is a bare JSON array, which
    /// the service labels `ProductionApprovalTestRequest`).
    public static func requestErrors(_ value: Any) -> [ValidationIssue] {
        let label = "ProductionApprovalTestRequest"
        guard let entries = value as? [Any] else {
            return [ValidationIssue(label, "InvalidType", "\"\(label)\" must be an array")]
        }
        if entries.isEmpty {
            return [ValidationIssue(label, "OutOfRange", "\"\(label)\" must contain at least 1 items")]
        }
        var errors: [ValidationIssue] = []
        var seen: Set<String> = []
        var duplicate = false
        for (index, entry) in entries.enumerated() {
            guard let entry = entry as? [String: Any] else {
                errors.append(ValidationIssue("\(index)", "InvalidType", "\"[\(index)]\" must be of type object"))
                continue
            }
            switch entry["scenarioId"] {
            case nil:
                errors.append(
                    ValidationIssue("\(index).scenarioId", "NotProvided", "\"[\(index)].scenarioId\" is required"))
            case let scenario as String where scenarioIDs.contains(scenario):
                duplicate = duplicate || !seen.insert(scenario).inserted
            default:
                errors.append(
                    ValidationIssue(
                        "\(index).scenarioId", "InvalidValue",
                        "\"[\(index)].scenarioId\" must be one of [\(scenarioIDs.joined(separator: ", "))]"))
            }
            switch entry["wasteTrackingId"] {
            case nil:
                errors.append(
                    ValidationIssue(
                        "\(index).wasteTrackingId", "NotProvided", "\"[\(index)].wasteTrackingId\" is required"))
            case let id as String where id.isEmpty:
                errors.append(
                    ValidationIssue(
                        "\(index).wasteTrackingId", "InvalidValue",
                        "\"[\(index)].wasteTrackingId\" is not allowed to be empty"))
            case is String: break
            default:
                errors.append(
                    ValidationIssue(
                        "\(index).wasteTrackingId", "InvalidType", "\"[\(index)].wasteTrackingId\" must be a string"))
            }
        }
        if errors.isEmpty && duplicate {
            errors.append(ValidationIssue(label, "InvalidValue", "\"\(label)\" contains a duplicate scenarioId value"))
        }
        return errors
    }

    /// Whether the movement stored under an ID demonstrates a scenario; nil message means it does.
    public static func assess(_ scenario: String, movement body: [String: Any]) -> String? {
        let items = (body["wasteItems"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        let carrier = body["carrier"] as? [String: Any] ?? [:]
        func codes(_ item: [String: Any], _ field: String) -> Int { (item[field] as? [Any])?.count ?? 0 }
        func components(_ item: [String: Any], _ kind: String) -> Int {
            ((item[kind] as? [String: Any])?["components"] as? [Any])?.count ?? 0
        }
        func flag(_ item: [String: Any], _ field: String) -> Bool { item[field] as? Bool == true }
        func given(_ value: Any?) -> Bool { (value as? String).map { !$0.isEmpty } ?? false }
        switch scenario {
        case "R01":
            if items.count > 1 { return "Multiple waste items provided" }
            if items.contains(where: { codes($0, "disposalOrRecoveryCodes") == 0 }) {
                return "No disposal or recovery code provided"
            }
            if items.contains(where: { flag($0, "containsPops") }) { return "POPs components provided" }
            if items.contains(where: { flag($0, "containsHazardous") }) { return "Hazardous waste items provided" }
        case "R02":
            if items.count < 2 { return "Expected more than 1 waste item for R02, found \(items.count)" }
        case "R03":
            let transport = carrier["meansOfTransport"] as? String ?? ""
            if transport != "Road" {
                return "Expected carrier.meansOfTransport to be \"Road\" for R03, found \"\(transport)\""
            }
        case "R04":
            let withCodes = items.indices.filter { codes(items[$0], "disposalOrRecoveryCodes") > 0 }
            if !withCodes.isEmpty {
                return "Expected no disposal or recovery codes for R04, found codes on waste item(s) at index "
                    + withCodes.map(String.init).joined(separator: ", ")
            }
        case "R05":
            if !items.contains(where: { codes($0, "disposalOrRecoveryCodes") > 1 }) {
                return "Expected at least one waste item to have multiple disposal or recovery codes for R05"
            }
        case "R07":
            if !items.contains(where: { codes($0, "ewcCodes") > 1 }) {
                return "Expected at least one waste item to have at least 2 EWC codes for R07"
            }
        case "C02":
            let registration = carrier["registrationNumber"]
            let noRegistration = registration == nil || registration is NSNull || registration as? String == ""
            if !noRegistration || !given(carrier["reasonForNoRegistrationNumber"]) {
                return "Expected carrier.reasonForNoRegistrationNumber to be given for C02"
            }
        case "B01":
            if !(body["brokerOrDealer"] is [String: Any]) { return "No broker or dealer involvement in the movement" }
        case "P01":
            if !items.contains(where: { flag($0, "containsPops") && components($0, "pops") > 1 }) {
                return "Expected one or more waste items to have multiple POPs components"
            }
        case "H01":
            if !items.contains(where: { flag($0, "containsHazardous") && components($0, "hazardous") > 1 }) {
                return "Expected one or more waste items to have multiple hazardous components"
            }
        case "H03":
            if given(body["hazardousWasteConsignmentCode"]) || !given(body["reasonForNoConsignmentCode"]) {
                return "Expected reasonForNoConsignmentCode to be given for H03"
            }
        case "X01":
            if !items.contains(where: { components($0, "pops") > 0 && components($0, "hazardous") > 0 }) {
                return "Expected one or more waste items to have POPs and Hazardous components"
            }
        default:
            return "Unknown scenario \(scenario)"
        }
        return nil
    }
}
