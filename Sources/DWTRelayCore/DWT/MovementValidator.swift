import Foundation

/// Checks a Receipt API request body against the spec's rules and the reference data, offline.
///
/// Used by the sandbox (as the service would answer) and by `dwt-relay validate`. Keys follow the
/// service's form (`wasteItems[0].ewcCodes`); error types are the spec's.
public struct MovementValidator: Sendable {
    public struct Report: Sendable {
        public var errors: [ValidationIssue] = []
        public var warnings: [ValidationIssue] = []
        public var isValid: Bool { errors.isEmpty }
    }

    public let reference: ReferenceData
    /// apiCodes the service knows; nil accepts any well-formed UUID (offline validation).
    public let knownAPICodes: Set<String>?

    public init(reference: ReferenceData = .bundled, knownAPICodes: Set<String>? = nil) {
        self.reference = reference
        self.knownAPICodes = knownAPICodes
    }

    public func validate(_ body: [String: Any]) -> Report {
        var check = Check()
        for key in ValidationRules.requiredTopLevel where Check.isMissing(body[key]) {
            check.error(key, "NotProvided", "\"\(key)\" is required")
        }
        if let apiCode = body["apiCode"], !Check.isMissing(apiCode) {
            if let code = apiCode as? String, Check.matches(code, ValidationRules.uuid) {
                if let known = knownAPICodes, !known.contains(code.lowercased()) {
                    check.error("apiCode", "InvalidValue", "the API Code supplied is invalid or disabled")
                }
            } else {
                check.error("apiCode", "InvalidFormat", "\"apiCode\" must be a valid GUID")
            }
        }
        if let received = body["dateTimeReceived"], !Check.isMissing(received) {
            if !(received is String) || ISO8601.parse(received as! String) == nil
                || !(received as! String).contains("T")
            {
                check.error(
                    "dateTimeReceived", "InvalidFormat", "\"dateTimeReceived\" must be in valid ISO 8601 format")
            }
        }
        if let text = body["specialHandlingRequirements"] as? String, text.count > ValidationRules.maxSpecialHandling {
            check.error(
                "specialHandlingRequirements", "OutOfRange",
                "\"specialHandlingRequirements\" must be at most \(ValidationRules.maxSpecialHandling) characters")
        }
        var anyHazardousEWC = false
        if let items = body["wasteItems"], !Check.isMissing(items) {
            if let items = items as? [Any], !items.isEmpty {
                for (index, item) in items.enumerated() {
                    anyHazardousEWC = validateItem(item, key: "wasteItems[\(index)]", &check) || anyHazardousEWC
                }
            } else {
                check.error("wasteItems", "InvalidValue", "\"wasteItems\" must contain at least 1 item")
            }
        }
        validateConsignment(body, anyHazardousEWC: anyHazardousEWC, &check)
        if let carrier = body["carrier"], !Check.isMissing(carrier) { validateCarrier(carrier, &check) }
        if let broker = body["brokerOrDealer"], !Check.isMissing(broker) { validateBroker(broker, &check) }
        if let receiver = body["receiver"], !Check.isMissing(receiver) { validateReceiver(receiver, &check) }
        if let receipt = body["receipt"], !Check.isMissing(receipt) { validateReceipt(receipt, &check) }
        if let references = body["otherReferencesForMovement"], !Check.isMissing(references) {
            if let references = references as? [Any] {
                for (index, entry) in references.enumerated() {
                    let key = "otherReferencesForMovement[\(index)]"
                    let entry = entry as? [String: Any] ?? [:]
                    for field in ["label", "reference"] {
                        if (entry[field] as? String ?? "").isEmpty {
                            check.error("\(key).\(field)", "NotProvided", "\"\(key).\(field)\" is required")
                        }
                    }
                }
            } else {
                check.error(
                    "otherReferencesForMovement", "InvalidType", "\"otherReferencesForMovement\" must be an array")
            }
        }
        return check.report
    }

    /// Returns whether the item carries a hazardous EWC code.
    private func validateItem(_ value: Any, key: String, _ check: inout Check) -> Bool {
        guard let item = value as? [String: Any] else {
            check.error(key, "InvalidType", "\"\(key)\" must be an object")
            return false
        }
        for field in ValidationRules.requiredWasteItem where Check.isMissing(item[field]) {
            check.error("\(key).\(field)", "NotProvided", "\"\(key).\(field)\" is required")
        }
        var hazardous = false
        if let codes = item["ewcCodes"], !Check.isMissing(codes) {
            if let codes = codes as? [Any], !codes.isEmpty {
                if codes.count > ValidationRules.maxEWCCodesPerItem {
                    check.error(
                        "\(key).ewcCodes", "OutOfRange",
                        "\"\(key).ewcCodes\" must contain at most \(ValidationRules.maxEWCCodesPerItem) codes")
                }
                for (index, code) in codes.enumerated() {
                    let codeKey = "\(key).ewcCodes[\(index)]"
                    guard let code = code as? String, Check.matches(code, ValidationRules.ewcCode) else {
                        check.error(codeKey, "InvalidFormat", "\"\(codeKey)\" must be a six-digit EWC code")
                        continue
                    }
                    guard let isHazardous = reference.ewcHazardous[code] else {
                        check.error(codeKey, "InvalidValue", "\"\(codeKey)\" is not a valid EWC code")
                        continue
                    }
                    hazardous = hazardous || isHazardous
                }
            } else {
                check.error("\(key).ewcCodes", "InvalidValue", "\"\(key).ewcCodes\" must contain at least 1 code")
            }
        }
        if let description = item["wasteDescription"], !Check.isMissing(description), !(description is String) {
            check.error("\(key).wasteDescription", "InvalidType", "\"\(key).wasteDescription\" must be a string")
        }
        check.oneOf(item["physicalForm"], ValidationRules.physicalForms, key: "\(key).physicalForm")
        if let count = item["numberOfContainers"], !Check.isMissing(count) {
            if !Check.isInteger(count) || (count as! NSNumber).intValue < 0 {
                check.error(
                    "\(key).numberOfContainers", "InvalidValue",
                    "\"\(key).numberOfContainers\" must be a non-negative integer")
            }
        }
        if let container = item["typeOfContainers"], !Check.isMissing(container) {
            if !(container is String) || !reference.containerTypes.contains(container as! String) {
                check.error(
                    "\(key).typeOfContainers", "InvalidValue",
                    "\"\(key).typeOfContainers\" is not a valid container type")
            }
        }
        if let weight = item["weight"], !Check.isMissing(weight) { check.weight(weight, key: "\(key).weight") }
        let containsPops = check.boolean(item["containsPops"], key: "\(key).containsPops")
        let containsHazardous = check.boolean(item["containsHazardous"], key: "\(key).containsHazardous")
        if containsPops == true {
            validateComponents(
                item["pops"], key: "\(key).pops", codeField: "code", validCodes: reference.popCodes, &check)
        }
        if containsHazardous == true {
            validateComponents(item["hazardous"], key: "\(key).hazardous", codeField: "name", validCodes: nil, &check)
            if let hazardous = item["hazardous"] as? [String: Any], let codes = hazardous["hazCodes"] {
                for (index, code) in (codes as? [Any] ?? [codes]).enumerated() {
                    if !(code is String) || !reference.hazardousPropertyCodes.contains(code as! String) {
                        check.error(
                            "\(key).hazardous.hazCodes[\(index)]", "InvalidValue",
                            "\"\(key).hazardous.hazCodes[\(index)]\" is not a valid hazardous property code")
                    }
                }
            }
        }
        if let codes = item["disposalOrRecoveryCodes"], !Check.isMissing(codes), let list = codes as? [Any],
            !list.isEmpty
        {
            for (index, entry) in list.enumerated() {
                let entryKey = "\(key).disposalOrRecoveryCodes[\(index)]"
                guard let entry = entry as? [String: Any] else {
                    check.error(entryKey, "InvalidType", "\"\(entryKey)\" must be an object")
                    continue
                }
                if Check.isMissing(entry["code"]) {
                    check.error("\(entryKey).code", "NotProvided", "\"\(entryKey).code\" is required")
                } else if !(entry["code"] is String)
                    || !reference.disposalOrRecoveryCodes.contains(entry["code"] as! String)
                {
                    check.error(
                        "\(entryKey).code", "InvalidValue",
                        "\"\(entryKey).code\" is not a valid disposal or recovery code")
                }
                if Check.isMissing(entry["weight"]) {
                    check.error("\(entryKey).weight", "NotProvided", "\"\(entryKey).weight\" is required")
                } else {
                    check.weight(entry["weight"]!, key: "\(entryKey).weight")
                }
            }
        } else {
            check.warning(
                "\(key).disposalOrRecoveryCodes", "NotProvided",
                "\"\(key).disposalOrRecoveryCodes\" is required for a complete record")
        }
        return hazardous
    }

    private func validateComponents(
        _ value: Any?, key: String, codeField: String, validCodes: Set<String>?, _ check: inout Check
    ) {
        guard let value, !Check.isMissing(value) else {
            check.error(key, "NotProvided", "\"\(key)\" is required when the item contains them")
            return
        }
        guard let object = value as? [String: Any] else {
            check.error(key, "InvalidType", "\"\(key)\" must be an object")
            return
        }
        guard let source = object["sourceOfComponents"] as? String else {
            check.error("\(key).sourceOfComponents", "NotProvided", "\"\(key).sourceOfComponents\" is required")
            return
        }
        guard ValidationRules.sourcesOfComponents.contains(source) else {
            check.error(
                "\(key).sourceOfComponents", "InvalidValue",
                "\"\(key).sourceOfComponents\" must be one of \(ValidationRules.sourcesOfComponents.joined(separator: ", "))"
            )
            return
        }
        let components = object["components"] as? [Any] ?? []
        switch source {
        case "NOT_PROVIDED" where !components.isEmpty:
            check.error(
                "\(key).components", "NotAllowed",
                "\"\(key).components\" must be empty when sourceOfComponents is NOT_PROVIDED")
        case "GUIDANCE", "OWN_TESTING":
            if components.isEmpty {
                check.error(
                    "\(key).components", "NotProvided",
                    "\"\(key).components\" is required when sourceOfComponents is \(source)")
            }
        case "PROVIDED_WITH_WASTE" where components.isEmpty:
            check.warning(
                "\(key).components", "NotProvided", "\"\(key).components\" are recommended when provided with the waste"
            )
        default: break
        }
        for (index, component) in components.enumerated() {
            let componentKey = "\(key).components[\(index)]"
            guard let component = component as? [String: Any] else {
                check.error(componentKey, "InvalidType", "\"\(componentKey)\" must be an object")
                continue
            }
            if let validCodes, let code = component[codeField] {
                if !(code is String) || !validCodes.contains(code as! String) {
                    check.error(
                        "\(componentKey).\(codeField)", "InvalidValue",
                        "\"\(componentKey).\(codeField)\" is not a valid POP code")
                }
            } else if validCodes == nil, Check.isMissing(component[codeField]) {
                check.error(
                    "\(componentKey).\(codeField)", "NotProvided", "\"\(componentKey).\(codeField)\" is required")
            }
            if let concentration = component["concentration"], !Check.isMissing(concentration) {
                if !Check.isNumber(concentration) || (concentration as! NSNumber).doubleValue <= 0 {
                    check.error(
                        "\(componentKey).concentration", "OutOfRange",
                        "\"\(componentKey).concentration\" must be greater than 0")
                }
            }
        }
    }

    private func validateConsignment(_ body: [String: Any], anyHazardousEWC: Bool, _ check: inout Check) {
        let code = body["hazardousWasteConsignmentCode"]
        let reason = body["reasonForNoConsignmentCode"]
        if let code, !Check.isMissing(code) {
            if !(code is String)
                || !ValidationRules.consignmentCodes.contains(where: { Check.matches(code as! String, $0) })
            {
                check.error(
                    "hazardousWasteConsignmentCode", "InvalidFormat",
                    "\"hazardousWasteConsignmentCode\" must be in a valid format (XXXXXX/YYYYY, SA1234567 or DA1234567)"
                )
            }
        } else if anyHazardousEWC && Check.isMissing(reason) {
            check.error(
                "reasonForNoConsignmentCode", "BusinessRuleViolation",
                "\"reasonForNoConsignmentCode\" is required when a hazardous EWC code has no consignment code")
        }
        if let reason, !Check.isMissing(reason) {
            check.oneOf(reason, ValidationRules.reasonsForNoConsignmentCode, key: "reasonForNoConsignmentCode")
        }
    }

    private func validateCarrier(_ value: Any, _ check: inout Check) {
        guard let carrier = value as? [String: Any] else {
            check.error("carrier", "InvalidType", "\"carrier\" must be an object")
            return
        }
        if Check.isMissing(carrier["organisationName"]) {
            check.error("carrier.organisationName", "NotProvided", "\"carrier.organisationName\" is required")
        }
        let registration = carrier["registrationNumber"] as? String ?? ""
        let reason = carrier["reasonForNoRegistrationNumber"]
        if registration.trimmingCharacters(in: .whitespaces).isEmpty {
            if Check.isMissing(reason) {
                check.error(
                    "carrier.reasonForNoRegistrationNumber", "BusinessRuleViolation",
                    "\"carrier.reasonForNoRegistrationNumber\" is required when no registration number is given")
            } else {
                check.oneOf(
                    reason, ValidationRules.reasonsForNoRegistration, key: "carrier.reasonForNoRegistrationNumber")
            }
        } else {
            if !ValidationRules.carrierRegistrations.contains(where: { Check.matches(registration.uppercased(), $0) }) {
                check.error(
                    "carrier.registrationNumber", "InvalidFormat",
                    "\"carrier.registrationNumber\" must be in a valid UK format (e.g. CBDU123456)")
            }
            if !Check.isMissing(reason) {
                check.error(
                    "carrier.reasonForNoRegistrationNumber", "NotAllowed",
                    "\"carrier.reasonForNoRegistrationNumber\" must not be given with a registration number")
            }
        }
        let transport = carrier["meansOfTransport"]
        check.oneOf(transport, ValidationRules.meansOfTransport, key: "carrier.meansOfTransport")
        let vehicle = carrier["vehicleRegistration"] as? String
        if transport as? String == "Road" && (vehicle ?? "").isEmpty {
            check.error(
                "carrier.vehicleRegistration", "BusinessRuleViolation",
                "\"carrier.vehicleRegistration\" is required when meansOfTransport is Road")
        }
        if let vehicle, vehicle.count > ValidationRules.maxVehicleRegistration {
            check.error(
                "carrier.vehicleRegistration", "OutOfRange",
                "\"carrier.vehicleRegistration\" must be at most 10 characters")
        }
        if let address = carrier["address"] as? [String: Any] {
            check.postcode(
                address["postcode"], key: "carrier.address.postcode", pattern: ValidationRules.ukOrIrishPostcode)
        }
    }

    private func validateBroker(_ value: Any, _ check: inout Check) {
        guard let broker = value as? [String: Any] else {
            check.error("brokerOrDealer", "InvalidType", "\"brokerOrDealer\" must be an object")
            return
        }
        if Check.isMissing(broker["organisationName"]) {
            check.error(
                "brokerOrDealer.organisationName", "NotProvided", "\"brokerOrDealer.organisationName\" is required")
        }
        if let address = broker["address"] as? [String: Any] {
            check.postcode(
                address["postcode"], key: "brokerOrDealer.address.postcode", pattern: ValidationRules.ukOrIrishPostcode)
        }
    }

    private func validateReceiver(_ value: Any, _ check: inout Check) {
        guard let receiver = value as? [String: Any] else {
            check.error("receiver", "InvalidType", "\"receiver\" must be an object")
            return
        }
        if Check.isMissing(receiver["siteName"]) {
            check.error("receiver.siteName", "NotProvided", "\"receiver.siteName\" is required")
        }
        if let number = receiver["authorisationNumber"], !Check.isMissing(number) {
            let text = (number as? String ?? "").uppercased()
            if !ValidationRules.authorisationNumbers.contains(where: { Check.matches(text, $0) }) {
                check.error(
                    "receiver.authorisationNumber", "InvalidFormat",
                    "Site authorisation number must be in a valid UK format")
            }
        } else {
            check.error("receiver.authorisationNumber", "NotProvided", "Site authorisation number is required")
        }
        if let statements = receiver["regulatoryPositionStatements"], !Check.isMissing(statements) {
            for (index, value) in (statements as? [Any] ?? [statements]).enumerated() {
                if !Check.isInteger(value) || (value as! NSNumber).intValue < 1 {
                    check.error(
                        "receiver.regulatoryPositionStatements[\(index)]", "InvalidValue",
                        "\"receiver.regulatoryPositionStatements[\(index)]\" must be a positive integer")
                }
            }
        }
    }

    private func validateReceipt(_ value: Any, _ check: inout Check) {
        guard let receipt = value as? [String: Any], let address = receipt["address"] as? [String: Any] else {
            check.error("receipt.address", "NotProvided", "\"receipt.address\" is required")
            return
        }
        if Check.isMissing(address["fullAddress"]) {
            check.error("receipt.address.fullAddress", "NotProvided", "\"receipt.address.fullAddress\" is required")
        }
        if Check.isMissing(address["postcode"]) {
            check.error("receipt.address.postcode", "NotProvided", "\"receipt.address.postcode\" is required")
        } else {
            check.postcode(address["postcode"], key: "receipt.address.postcode", pattern: ValidationRules.ukPostcode)
        }
    }
}
