import Foundation

/// One waste item (`waste.js`, `weight.js`): codes, form, containers, weight, POPs, hazardous components,
/// disposal or recovery codes.
extension MovementValidator {
    static let wasteItemKeys = [
        "ewcCodes", "wasteDescription", "physicalForm", "numberOfContainers", "typeOfContainers", "weight",
        "containsPops", "pops", "containsHazardous", "hazardous", "disposalOrRecoveryCodes",
    ]

    static let weightKeys = ["metric", "amount", "isEstimate"]
    static let disposalCodeKeys = ["code", "weight"]

    func wasteItem(_ value: JSONNode, _ path: FieldPath, _ check: inout Check) {
        let path = path.resolved
        guard let item = check.object(value, path) else { return }
        if let codes = check.present(item["ewcCodes"], path.field("ewcCodes")) { ewcCodes(codes, path, &check) }
        if let text = check.present(item["wasteDescription"], path.field("wasteDescription")) {
            _ = check.string(text, path.field("wasteDescription"))
        }
        if let form = check.present(item["physicalForm"], path.field("physicalForm")) {
            check.oneOf(form, ValidationRules.physicalForms, path.field("physicalForm"))
        }
        if let count = check.present(item["numberOfContainers"], path.field("numberOfContainers")),
            let number = check.number(count, path.field("numberOfContainers"))
        {
            check.integer(number, path.field("numberOfContainers"))
            if number < 0 {
                check.fail(path.field("numberOfContainers"), "OutOfRange", "must be greater than or equal to 0")
            }
        }
        if let type = check.present(item["typeOfContainers"], path.field("typeOfContainers")),
            let type = check.string(type, path.field("typeOfContainers")),
            !JSText.contains(reference.containerTypes, type)
        {
            check.fail(path.field("typeOfContainers"), "InvalidValue", "must be a valid container type")
        }
        // Weight is optional on the item (the prose spec says required; the running service does not).
        if let weight = item["weight"] { self.weight(weight, path.field("weight"), &check) }
        let containsPops = check.present(item["containsPops"], path.field("containsPops")).flatMap {
            check.boolean($0, path.field("containsPops"))
        }
        components(.pops, item, flag: containsPops, path, &check)
        let containsHazardous = check.present(item["containsHazardous"], path.field("containsHazardous")).flatMap {
            check.boolean($0, path.field("containsHazardous"))
        }
        components(.hazardous, item, flag: containsHazardous, path, &check)
        if let codes = item["disposalOrRecoveryCodes"] { disposalOrRecoveryCodes(codes, path, &check) }
        check.refuseUnknownKeys(item, known: Self.wasteItemKeys, path)
    }

    private func ewcCodes(_ value: JSONNode, _ item: FieldPath, _ check: inout Check) {
        let path = item.field("ewcCodes").resolved
        guard let codes = check.array(value, path) else { return }
        for (index, code) in codes.enumerated() {
            guard let code = check.string(code, path.index(index)) else { continue }
            if !Check.matches(code, .ewcCode) {
                check.fail(path.index(index), "InvalidFormat", "must be a valid 6-digit numeric code")
            } else if reference.ewcHazardous[code] == nil {
                check.fail(path.index(index), "InvalidValue", "must be a valid EWC code from the official list")
            }
        }
        if codes.isEmpty { check.fail(path, "OutOfRange", "must contain at least 1 items") }
        if codes.count > ValidationRules.maxEWCCodesPerItem {
            check.fail(path, "OutOfRange", "must contain no more than \(ValidationRules.maxEWCCodesPerItem) EWC codes")
        }
    }

    func weight(_ value: JSONNode, _ path: FieldPath, _ check: inout Check) {
        let path = path.resolved
        guard let weight = check.object(value, path) else { return }
        if let metric = check.present(weight["metric"], path.field("metric")) {
            check.oneOf(metric, ValidationRules.weightMetrics, path.field("metric"))
        }
        if let amount = check.present(weight["amount"], path.field("amount")),
            let number = check.number(amount, path.field("amount"))
        {
            check.positive(number, path.field("amount"))
        }
        if let estimate = check.present(weight["isEstimate"], path.field("isEstimate")) {
            _ = check.boolean(estimate, path.field("isEstimate"))
        }
        check.refuseUnknownKeys(weight, known: Self.weightKeys, path)
    }

    private func disposalOrRecoveryCodes(_ value: JSONNode, _ item: FieldPath, _ check: inout Check) {
        let path = item.field("disposalOrRecoveryCodes").resolved
        guard let entries = check.array(value, path) else { return }
        for (index, entry) in entries.enumerated() {
            let entryPath = path.index(index).resolved
            guard let entry = check.object(entry, entryPath) else { continue }
            if let code = check.present(entry["code"], entryPath.field("code")) {
                check.oneOf(code, reference.disposalOrRecoveryCodeList, entryPath.field("code"))
            }
            if let weight = check.present(entry["weight"], entryPath.field("weight")) {
                self.weight(weight, entryPath.field("weight"), &check)
            }
            check.refuseUnknownKeys(entry, known: Self.disposalCodeKeys, entryPath)
        }
    }
}
