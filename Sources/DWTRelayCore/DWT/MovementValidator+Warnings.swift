import Foundation

/// The warnings the service adds to a 201 (`validation-warnings/`), computed from the accepted body, in
/// its order: disposal codes for every item, then POPs, then hazardous components, then the carrier.
extension MovementValidator {
    func warnings(_ body: JSONNode.Object, _ check: inout Check) {
        let items = (body["wasteItems"]?.array ?? []).compactMap(\.object)
        for (index, item) in items.enumerated() where item["disposalOrRecoveryCodes"]?.array?.isEmpty ?? true {
            check.warn(
                key: "wasteItems.\(index).disposalOrRecoveryCodes",
                "wasteItems[\(index)].disposalOrRecoveryCodes \(ValidationRules.Message.disposalCodesRecommended)")
        }
        for kind in [ComponentKind.pops, .hazardous] {
            for (index, item) in items.enumerated() { componentWarnings(kind, item, index, &check) }
        }
        // The service reads `carrier` without checking it is there: a body without one passes validation,
        // is stored, and then the request fails with a 500.
        guard let carrier = body["carrier"]?.object else {
            check.report.storedThenFails = ValidationIssue(
                "carrier", "NotProvided",
                "the service stores a movement without \"carrier\" and then answers 500 Internal Server Error; add the carrier"
            )
            return
        }
        if Check.isNullOrEmpty(carrier["registrationNumber"])
            && Check.isNullOrEmpty(carrier["reasonForNoRegistrationNumber"])
        {
            check.warn(
                key: "carrier.reasonForNoRegistrationNumber",
                "carrier.reasonForNoRegistrationNumber must be one of: "
                    + ValidationRules.reasonsForNoRegistration.joined(separator: ", "))
        }
    }

    private func componentWarnings(_ kind: ComponentKind, _ item: JSONNode.Object, _ index: Int, _ check: inout Check) {
        guard let object = item[kind.field]?.object else { return }
        if item[kind.flagField]?.bool == false { return }
        if object["sourceOfComponents"]?.string == "NOT_PROVIDED" { return }
        let key = "wasteItems.\(index).\(kind.field).components"
        let label = "wasteItems[\(index)].\(kind.field).components"
        guard let components = object["components"]?.array, !components.isEmpty else {
            check.warn(key: key, "\(label) \(ValidationRules.Message.componentsRecommended)")
            return
        }
        // The service builds each key from the previous one, so the second and later indices pile up
        // (`components.1.0.concentration`); copied as it is, since these are the keys a site will see.
        var keyPrefix = key
        var labelPrefix = label
        for (position, component) in components.enumerated() {
            let concentration = component.object?["concentration"]
            guard concentration == nil || Check.isNull(concentration) else { continue }
            keyPrefix = keyPrefix.replacingFirst("components", with: "components.\(position)")
            labelPrefix = labelPrefix.replacingFirst("components", with: "components[\(position)]")
            check.warn(
                key: keyPrefix + ".concentration",
                "\(labelPrefix).concentration \(ValidationRules.Message.concentrationRecommended)")
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
