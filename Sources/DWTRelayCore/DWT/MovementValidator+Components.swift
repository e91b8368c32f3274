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
        /// The keys the object may hold, and each of its components.
        var keys: [String] {
            self == .pops ? ["sourceOfComponents", "components"] : ["sourceOfComponents", "components", "hazCodes"]
        }
        var componentKeys: [String] { self == .pops ? ["code", "concentration"] : ["name", "concentration"] }
    }

    func components(
        _ kind: ComponentKind, _ item: JSONNode.Object, flag: Bool?, _ itemPath: FieldPath, _ check: inout Check
    ) {
        let path = itemPath.field(kind.field).resolved
        // `null` counts as absent here (Joi `empty(null)`), so `"pops": null` with the flag true is "required".
        guard let value = item[kind.field], !value.isNull else {
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
        if kind == .hazardous, let codes = object["hazCodes"], let codes = check.array(codes, path.field("hazCodes")) {
            for (index, code) in codes.enumerated() {
                check.oneOf(code, reference.hazardousPropertyCodeList, path.field("hazCodes").index(index))
            }
        }
        if let components = object["components"], !components.isNull {
            componentList(
                kind, components, object: object, flagIsTrue: flagIsTrue, flagIsFalse: flagIsFalse, path, &check)
        }
        check.refuseUnknownKeys(object, known: kind.keys, path)
        // The object's own rules run only when nothing inside it failed.
        guard check.errorCount == errorsBefore else { return }
        let source = object["sourceOfComponents"]?.string
        let components = object["components"]
        if kind == .hazardous, Check.isTruthy(flagValue), !(source ?? "").isEmpty,
            object["hazCodes"]?.array?.isEmpty ?? true
        {
            check.fail(
                path, "BusinessRuleViolation",
                message: "\"\(path.label).hazCodes\" is required when containsHazardous is true")
        }
        guard flagIsTrue else { return }
        if (source ?? "").isEmpty {
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
        _ kind: ComponentKind, _ value: JSONNode, object: JSONNode.Object, flagIsTrue: Bool, flagIsFalse: Bool,
        _ path: FieldPath, _ check: inout Check
    ) {
        let listPath = path.field("components").resolved
        guard let components = check.array(value, listPath) else { return }
        for (index, component) in components.enumerated() {
            let componentPath = listPath.index(index).resolved
            guard let component = check.object(component, componentPath) else { continue }
            let namePath = componentPath.field(kind.nameField)
            // `null` counts as absent (Joi `empty(null)`); an empty string is refused as empty.
            let name = component[kind.nameField].flatMap { $0.isNull ? nil : $0 }
            if let name = check.present(name, namePath), let text = check.string(name, namePath),
                kind == .pops, !JSText.contains(reference.popCodes, text)
            {
                check.fail(namePath, "InvalidValue", "contains an invalid POP code")
            }
            if let concentration = component["concentration"], !concentration.isNull,
                let number = check.number(concentration, componentPath.field("concentration"))
            {
                check.positive(number, componentPath.field("concentration"))
            }
            check.refuseUnknownKeys(component, known: kind.componentKeys, componentPath)
        }
        // The list's own rule runs even when an entry failed (it is a rule of the array, not of the object).
        guard !components.isEmpty else { return }
        if flagIsTrue && object["sourceOfComponents"]?.string == "NOT_PROVIDED" {
            check.fail(
                listPath, "BusinessRuleViolation", "must not be provided when sourceOfComponents is NOT_PROVIDED")
        } else if flagIsFalse {
            check.fail(listPath, "BusinessRuleViolation", "must not be provided when \(kind.flagField) is false")
        }
    }
}
