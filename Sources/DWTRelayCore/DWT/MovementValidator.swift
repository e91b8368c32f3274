import Foundation

/// Checks a Receipt API request body as Defra's running service does, offline: the same verdict (201, 400,
/// or the 500 it answers after storing a body it cannot finish), the same error keys, types and messages,
/// and the same warnings.
///
/// The rules are Defra's Joi schema (`DEFRA/waste-movement-utils` `src/schemas/`, with the external API's
/// fork in `src/schemas/receive-movement-input.js`) and warning generators (`src/validation-warnings/`),
/// written again here in Swift; `conformance/sources.json` pins the commits, and `conformance/
/// defra-corpus.json` holds the cases this is checked against, with Defra's code as the oracle.
///
/// Joi's behaviour that matters for the answer, kept here: every error is listed (`abortEarly: false`),
/// fields in the schema's order with unknown keys after them; a value of the wrong type gets only that
/// error; an object's own custom rules run only when nothing inside it failed.
public struct MovementValidator: Sendable {
    public struct Report: Sendable {
        public var errors: [ValidationIssue] = []
        public var warnings: [ValidationIssue] = []
        /// The body passes the service's validation but its handler then fails: the service has stored the
        /// movement and answers 500 (today: a body without `carrier`).
        public var storedThenFails: ValidationIssue?
        public var isValid: Bool { errors.isEmpty && storedThenFails == nil }

        public init() {}

        /// The status the service answers with.
        public var status: Int { !errors.isEmpty ? 400 : storedThenFails != nil ? 500 : 201 }
    }

    public let reference: ReferenceData
    /// apiCodes the service knows; nil accepts any well-formed one (offline validation).
    public let knownAPICodes: Set<String>?

    public init(reference: ReferenceData = .bundled, knownAPICodes: Set<String>? = nil) {
        self.reference = reference
        self.knownAPICodes = knownAPICodes
    }

    static let topLevelKeys = [
        "apiCode", "submittingOrganisation", "dateTimeReceived", "hazardousWasteConsignmentCode",
        "reasonForNoConsignmentCode", "yourUniqueReference", "otherReferencesForMovement",
        "specialHandlingRequirements", "wasteItems", "carrier", "brokerOrDealer", "receiver", "receipt",
    ]

    /// A body of Foundation's `Any` tree (the sandbox's, `validate`'s and tests'), checked as its `JSONNode`.
    public func validate(_ body: [String: Any]) -> Report {
        guard let node = JSONNode(foundation: body), let object = node.object else {
            var check = Check()
            check.fail(FieldPath.root, "InvalidType", "must be of type object")
            return check.report
        }
        return validate(object)
    }

    public func validate(_ body: JSONNode.Object) -> Report {
        var check = Check()
        let root = FieldPath.root
        if let apiCode = check.present(body["apiCode"], root.field("apiCode")),
            let code = check.string(apiCode, root.field("apiCode")), !Check.matches(code, .guid)
        {
            check.fail(root.field("apiCode"), "InvalidFormat", "must be a valid GUID")
        }
        // The external API resolves the organisation from apiCode itself and refuses it from callers.
        if body["submittingOrganisation"] != nil {
            check.fail(root.field("submittingOrganisation"), "NotAllowed", "is not allowed")
        }
        if let received = check.present(body["dateTimeReceived"], root.field("dateTimeReceived")) {
            dateTimeReceived(received, &check)
        }
        let hazardous = hasHazardousEWCCode(body)
        if let code = body["hazardousWasteConsignmentCode"] {
            if let thrown = Self.hazardousScanThrows(body) {
                // Defra's rule looks through every item's EWC codes first and throws on what it cannot read;
                // Joi reports the throw as the field's error (not classified: UnexpectedError).
                check.fail(
                    FieldPath.root.field("hazardousWasteConsignmentCode"), "UnexpectedError",
                    "failed custom validation because \(thrown)")
            } else {
                consignmentCode(code, hazardous: hazardous, reason: body["reasonForNoConsignmentCode"], &check)
            }
        }
        if let reason = body["reasonForNoConsignmentCode"], !reason.isNull {
            _ = check.string(reason, root.field("reasonForNoConsignmentCode"), allowEmpty: true)
        }
        if let reference = body["yourUniqueReference"] {
            _ = check.string(reference, root.field("yourUniqueReference"))
        }
        if let references = body["otherReferencesForMovement"] { otherReferences(references, &check) }
        if let text = body["specialHandlingRequirements"],
            let text = check.string(text, root.field("specialHandlingRequirements")),
            text.utf16.count > ValidationRules.maxSpecialHandling
        {
            check.fail(
                root.field("specialHandlingRequirements"), "OutOfRange",
                "length must be less than or equal to \(ValidationRules.maxSpecialHandling) characters long")
        }
        if let items = check.present(body["wasteItems"], root.field("wasteItems")),
            let items = check.array(items, root.field("wasteItems"))
        {
            for (index, item) in items.enumerated() { wasteItem(item, root.field("wasteItems").index(index), &check) }
            if items.isEmpty { check.fail(root.field("wasteItems"), "OutOfRange", "must contain at least 1 items") }
        }
        if let carrier = body["carrier"] { self.carrier(carrier, &check) }
        if let broker = body["brokerOrDealer"] { brokerOrDealer(broker, &check) }
        if let receiver = check.present(body["receiver"], root.field("receiver")) { self.receiver(receiver, &check) }
        if let receipt = check.present(body["receipt"], root.field("receipt")) { self.receipt(receipt, &check) }
        check.refuseUnknownKeys(body, known: Self.topLevelKeys, root)
        if check.errorCount == 0 {
            consignmentReason(body, hazardous: hazardous, &check)
        }
        if check.errorCount == 0, let apiCode = body["apiCode"]?.string, let known = knownAPICodes,
            !known.contains(apiCode.lowercased())
        {
            // The handler's organisation lookup, after validation: a well-formed code nobody holds.
            check.fail(root.field("apiCode"), "InvalidValue", message: ValidationRules.Message.unknownAPICode)
        }
        if check.errorCount == 0 { warnings(body, &check) }
        return check.report
    }

    /// Joi's `date().iso()`: a string in one of ISO 8601's forms that JavaScript can read; anything not a
    /// string is "not a valid date". The service sets no limit on how far in the past or future it is.
    private func dateTimeReceived(_ value: JSONNode, _ check: inout Check) {
        let path = FieldPath.root.field("dateTimeReceived")
        guard let text = value.string else {
            check.fail(path, "InvalidType", "must be a valid date")
            return
        }
        if !Self.isPlainISODateTime(text)
            && (!Check.matches(text, .isoDate) || !Check.matches(text, .javaScriptDate))
        {
            check.fail(path, "InvalidFormat", "must be in ISO 8601 date format")
        }
    }

    /// The form nearly every body uses (`2026-11-02T09:30:00.000Z`, `...+01:00`), recognised without the two
    /// patterns above, which accept it too; anything else goes through them.
    static func isPlainISODateTime(_ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        func digits(_ count: Int, max: Int, min: Int = 0) -> Bool {
            var value = 0
            for _ in 0..<count {
                guard let byte = utf8.next(), (48...57).contains(byte) else { return false }
                value = value * 10 + Int(byte - 48)
            }
            return value >= min && value <= max
        }
        func expect(_ character: UInt8) -> Bool { utf8.next() == character }
        guard digits(4, max: 9999), expect(45), digits(2, max: 12, min: 1), expect(45), digits(2, max: 31, min: 1),
            expect(84), digits(2, max: 23), expect(58), digits(2, max: 59), expect(58), digits(2, max: 59)
        else { return false }
        var next = utf8.next()
        if next == 46 {  // fraction
            var count = 0
            next = utf8.next()
            while let byte = next, (48...57).contains(byte) {
                count += 1
                next = utf8.next()
            }
            guard count > 0 else { return false }
        }
        switch next {
        case nil: return true
        case 90: return utf8.next() == nil  // Z
        case 43, 45:  // + or -
            return digits(2, max: 23) && expect(58) && digits(2, max: 59) && utf8.next() == nil
        default: return false
        }
    }

    /// Whether any item carries an EWC code the list marks hazardous (spaces in a code are ignored here, as
    /// the service's own test does, although such a code fails its format check).
    func hasHazardousEWCCode(_ body: JSONNode.Object) -> Bool {
        guard let items = body["wasteItems"]?.array else { return false }
        for case .object(let item) in items {
            for case .string(let code) in item["ewcCodes"]?.array ?? [] {
                let normalised = code.contains(where: \.isWhitespace) ? code.filter { !$0.isWhitespace } : code
                if reference.ewcHazardous[normalised] == true { return true }
            }
        }
        return false
    }

    /// What JavaScript would throw while Defra's consignment rule gathers the EWC codes (`w.ewcCodes` of a
    /// null item, `code.replace` of a code that is truthy but not a string), or nil when it reads them all.
    static func hazardousScanThrows(_ body: JSONNode.Object) -> String? {
        guard let items = body["wasteItems"]?.array else { return nil }
        if items.contains(where: \.isNull) { return "Cannot read properties of null (reading 'ewcCodes')" }
        for case .object(let item) in items {
            for code in item["ewcCodes"]?.array ?? [] where code.string == nil && Check.isTruthy(code) {
                return "code.replace is not a function"
            }
        }
        return nil
    }

    private func consignmentCode(_ value: JSONNode, hazardous: Bool, reason: JSONNode?, _ check: inout Check) {
        let path = FieldPath.root.field("hazardousWasteConsignmentCode")
        if hazardous && value.isNull && !Check.isTruthy(reason) {
            check.fail(path, "BusinessRuleViolation", "is required when hazardous EWC codes are present")
        } else if Check.isTruthy(value) {
            // Defra's rule tests the value with `RegExp.test`, which reads it as text first.
            let text = JSText.string(of: value) ?? ""
            if !Check.matches(text, .anyConsignmentCode) {
                check.fail(path, "InvalidFormat", ValidationRules.Message.consignmentFormat)
            }
        }
    }

    /// The schema's object-level rule: hazardous waste without a consignment code needs a reason, given as
    /// one of the codes (the labels the prose spec also lists are refused).
    private func consignmentReason(_ body: JSONNode.Object, hazardous: Bool, _ check: inout Check) {
        guard hazardous, !Check.isTruthy(body["hazardousWasteConsignmentCode"]) else { return }
        let path = FieldPath.root.field("reasonForNoConsignmentCode")
        guard Check.isTruthy(body["reasonForNoConsignmentCode"]) else {
            check.fail(path, "BusinessRuleViolation", message: ValidationRules.Message.consignmentReasonRequired)
            return
        }
        if let reason = body["reasonForNoConsignmentCode"]?.string,
            ValidationRules.reasonsForNoConsignmentCode.contains(reason)
        {
            return
        }
        check.fail(
            path, "InvalidValue",
            message: "\"reasonForNoConsignmentCode\" must be one of: "
                + ValidationRules.reasonsForNoConsignmentCode.joined(separator: ", "))
    }

    static let otherReferenceKeys = ["label", "reference"]

    private func otherReferences(_ value: JSONNode, _ check: inout Check) {
        let path = FieldPath.root.field("otherReferencesForMovement")
        guard let references = check.array(value, path) else { return }
        for (index, entry) in references.enumerated() {
            guard let entry = check.object(entry, path.index(index)) else { continue }
            for field in ["label", "reference"] {
                if let text = check.present(entry[field], path.index(index).field(field)) {
                    _ = check.string(text, path.index(index).field(field))
                }
            }
            check.refuseUnknownKeys(entry, known: Self.otherReferenceKeys, path.index(index))
        }
    }
}
