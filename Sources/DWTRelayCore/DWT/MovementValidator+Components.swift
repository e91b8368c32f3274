import Foundation

/// POPs and hazardous components of a waste item (`waste.js`): the object is required when its flag is
/// true; its source decides whether components are required, allowed or refused.
extension MovementValidator {
    enum ComponentKind {
        case pops, hazardous

        var field: String { self == .pops ? "pops" : "hazardous" }
        var flagField: String { self == .pops ? "containsPops" : "containsHazardous" }
        /// POP components are named by code, hazardous components by free text.
        var nameField: String { self == .pops ? "code" : "name" }
    }

    func components(
        _ kind: ComponentKind, _ item: [String: Any], flag: Bool?, _ itemPath: FieldPath, _ check: inout Check
    ) {
        let path = itemPath.field(kind.field).resolved
        // `null` counts as absent here (Joi `empty(null)`), so `"pops": null` with the flag true is "required".
        guard let value = item[kind.field], !Check.isNull(value) else {
            if flag == true {
                check.fail(path, "NotProvided", "is required")
            }
            return
        }
        guard let object = check.object(value, path) else { return }
        let errorsBefore = check.errorCount
        let flagValue = item[kind.flagField]
        let flagIsTrue = flag == true
        let flagIsFalse = flag == false
        if let source = object["sourceOfComponents"] {
            check.oneOf(source, ValidationRules.sourcesOfComponents, path.field("sourceOfComponents"))
        }
        var known: Set<String> = ["sourceOfComponents", "components"]
        if kind == .hazardous {
            known.insert("hazCodes")
            if let codes = object["hazCodes"], let codes = check.array(codes, path.field("hazCodes")) {
                for (index, code) in codes.enumerated() {
                    check.oneOf(code, reference.hazardousPropertyCodeList, path.field("hazCodes").index(index))
                }
            }
        }
        if let components = object["components"], !Check.isNull(components) {
            componentList(
                kind, components, object: object, flagIsTrue: flagIsTrue, flagIsFalse: flagIsFalse, path, &check)
        }
        check.refuseUnknownKeys(object, known: known, path)
        // The object's own rules run only when nothing inside it failed.
        guard check.errorCount == errorsBefore else { return }
        let source = object["sourceOfComponents"] as? String
        let components = object["components"]
        if kind == .hazardous, Check.isTruthy(flagValue), Check.isTruthy(source),
            (object["hazCodes"] as? [Any])?.isEmpty ?? true
        {
            check.fail(
                path, "BusinessRuleViolation",
                message: "\"\(path.label).hazCodes\" is required when containsHazardous is true")
        }
        guard flagIsTrue else { return }
        if !Check.isTruthy(source) {
            check.fail(
                path.field("sourceOfComponents"), "BusinessRuleViolation",
                "is required when \(kind.flagField) is true")
        } else if let source, ValidationRules.sourcesWithComponents.contains(source),
            components == nil || Check.isNull(components)
        {
            check.fail(path.field("components"), "BusinessRuleViolation", "is required when \(kind.flagField) is true")
        }
    }

    private func componentList(
        _ kind: ComponentKind, _ value: Any, object: [String: Any], flagIsTrue: Bool, flagIsFalse: Bool,
        _ path: FieldPath, _ check: inout Check
    ) {
        let listPath = path.field("components").resolved
        guard let components = check.array(value, listPath) else { return }
        for (index, component) in components.enumerated() {
            let componentPath = listPath.index(index).resolved
            guard let component = check.object(component, componentPath) else { continue }
            let namePath = componentPath.field(kind.nameField)
            // `null` counts as absent (Joi `empty(null)`); an empty string is refused as empty.
            let name = component[kind.nameField].flatMap { Check.isNull($0) ? nil : $0 }
            if let name = check.present(name, namePath), let text = check.string(name, namePath),
                kind == .pops, !JSText.contains(reference.popCodes, text)
            {
                check.fail(namePath, "InvalidValue", "contains an invalid POP code")
            }
            if let concentration = component["concentration"], !Check.isNull(concentration),
                let number = check.number(concentration, componentPath.field("concentration"))
            {
                check.positive(number, componentPath.field("concentration"))
            }
            check.refuseUnknownKeys(component, known: [kind.nameField, "concentration"], componentPath)
        }
        // The list's own rule runs even when an entry failed (it is a rule of the array, not of the object).
        guard !components.isEmpty else { return }
        if flagIsTrue && object["sourceOfComponents"] as? String == "NOT_PROVIDED" {
            check.fail(
                listPath, "BusinessRuleViolation", "must not be provided when sourceOfComponents is NOT_PROVIDED")
        } else if flagIsFalse {
            check.fail(listPath, "BusinessRuleViolation", "must not be provided when \(kind.flagField) is false")
        }
    }
}
