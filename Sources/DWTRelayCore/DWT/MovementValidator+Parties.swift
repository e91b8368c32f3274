import Foundation

/// The carrier, broker or dealer, receiver and receipt address (`receipt.js`).
extension MovementValidator {
    static let carrierKeys = [
        "registrationNumber", "reasonForNoRegistrationNumber", "organisationName", "address", "emailAddress",
        "phoneNumber", "vehicleRegistration", "meansOfTransport", "otherMeansOfTransport",
    ]

    static let brokerKeys = ["organisationName", "address", "registrationNumber", "phoneNumber", "emailAddress"]
    static let receiverKeys = [
        "siteName", "emailAddress", "phoneNumber", "authorisationNumber", "regulatoryPositionStatements",
    ]
    static let receiptKeys = ["address"]
    static let addressKeys = ["fullAddress", "postcode"]

    func carrier(_ value: JSONNode, _ check: inout Check) {
        let path = FieldPath.root.field("carrier")
        guard let carrier = check.object(value, path) else { return }
        let registration = carrier["registrationNumber"]
        if let registration = check.present(registration, path.field("registrationNumber")),
            !Check.isNullOrEmpty(registration)
        {
            check.patterns(
                registration, .anyCarrierRegistration, path.field("registrationNumber"),
                says: ValidationRules.Message.registrationFormat)
        }
        reasonForNoRegistration(carrier["reasonForNoRegistrationNumber"], registration: registration, path, &check)
        if let name = check.present(carrier["organisationName"], path.field("organisationName")) {
            _ = check.string(name, path.field("organisationName"))
        }
        if let address = carrier["address"] { self.address(address, path.field("address"), &check) }
        if let email = carrier["emailAddress"] { emailAddress(email, path.field("emailAddress"), &check) }
        if let phone = carrier["phoneNumber"] { _ = check.string(phone, path.field("phoneNumber")) }
        // Joi validates a field after the fields its rules refer to: meansOfTransport before the vehicle.
        let transport = check.present(carrier["meansOfTransport"], path.field("meansOfTransport"))
        if let transport { check.oneOf(transport, ValidationRules.meansOfTransport, path.field("meansOfTransport")) }
        let vehicle = carrier["vehicleRegistration"]
        if transport?.string == "Road" {
            if let vehicle {
                _ = check.string(vehicle, path.field("vehicleRegistration"))
            } else {
                check.fail(
                    path.field("vehicleRegistration"), "NotProvided",
                    message: ValidationRules.Message.vehicleRequiredForRoad)
            }
        } else if vehicle != nil {
            check.fail(
                path.field("vehicleRegistration"), "NotAllowed", message: ValidationRules.Message.vehicleOnlyForRoad)
        }
        if let other = carrier["otherMeansOfTransport"] { _ = check.string(other, path.field("otherMeansOfTransport")) }
        check.refuseUnknownKeys(carrier, known: Self.carrierKeys, path)
    }

    /// Required when the registration number is `null` or empty; refused (whatever its value) otherwise.
    private func reasonForNoRegistration(
        _ value: JSONNode?, registration: JSONNode?, _ carrier: FieldPath, _ check: inout Check
    ) {
        let path = carrier.field("reasonForNoRegistrationNumber")
        let noRegistration = registration != nil && Check.isNullOrEmpty(registration)
        guard noRegistration else {
            if value != nil {
                check.fail(path, "NotAllowed", message: ValidationRules.Message.reasonOnlyWithoutRegistration)
            }
            return
        }
        guard let value = check.present(value, path) else { return }
        if Check.isNullOrEmpty(value) { return }  // allowed here; a warning says so
        if let reason = value.string, ValidationRules.reasonsForNoRegistration.contains(reason) { return }
        check.fail(
            path, "InvalidValue", "must be one of: \(ValidationRules.reasonsForNoRegistration.joined(separator: ", "))")
        if value.string == nil {
            check.fail(path, "InvalidType", message: ValidationRules.Message.registrationOrReasonRequired)
        }
    }

    func brokerOrDealer(_ value: JSONNode, _ check: inout Check) {
        let path = FieldPath.root.field("brokerOrDealer")
        guard let broker = check.object(value, path) else { return }
        if let name = check.present(broker["organisationName"], path.field("organisationName")) {
            _ = check.string(name, path.field("organisationName"))
        }
        if let address = broker["address"] { self.address(address, path.field("address"), &check) }
        if let registration = broker["registrationNumber"] {
            check.patterns(
                registration, .anyCarrierRegistration, path.field("registrationNumber"),
                says: ValidationRules.Message.registrationFormat)
        }
        if let phone = broker["phoneNumber"] { _ = check.string(phone, path.field("phoneNumber")) }
        if let email = broker["emailAddress"] { emailAddress(email, path.field("emailAddress"), &check) }
        check.refuseUnknownKeys(
            broker, known: Self.brokerKeys, path)
    }

    func receiver(_ value: JSONNode, _ check: inout Check) {
        let path = FieldPath.root.field("receiver")
        guard let receiver = check.object(value, path) else { return }
        if let name = check.present(receiver["siteName"], path.field("siteName")) {
            _ = check.string(name, path.field("siteName"))
        }
        if let email = receiver["emailAddress"] { emailAddress(email, path.field("emailAddress"), &check) }
        if let phone = receiver["phoneNumber"] { _ = check.string(phone, path.field("phoneNumber")) }
        let numberPath = path.field("authorisationNumber")
        if let number = check.present(receiver["authorisationNumber"], numberPath),
            let number = check.string(number, numberPath)
        {
            let trimmed = JSText.trim(number)
            if !Check.matches(trimmed, .anyAuthorisationNumber) {
                check.fail(numberPath, "InvalidFormat", "must be in a valid UK format")
            }
        }
        if let statements = receiver["regulatoryPositionStatements"],
            let statements = check.array(statements, path.field("regulatoryPositionStatements"))
        {
            for (index, statement) in statements.enumerated() {
                let statementPath = path.field("regulatoryPositionStatements").index(index)
                guard let number = check.number(statement, statementPath) else { continue }
                check.integer(number, statementPath)
                check.positive(number, statementPath)
            }
        }
        check.refuseUnknownKeys(
            receiver,
            known: Self.receiverKeys,
            path)
    }

    func receipt(_ value: JSONNode, _ check: inout Check) {
        let path = FieldPath.root.field("receipt")
        guard let receipt = check.object(value, path) else { return }
        if let address = check.present(receipt["address"], path.field("address")) {
            let addressPath = path.field("address").resolved
            if let address = check.object(address, addressPath) {
                if let full = check.present(address["fullAddress"], addressPath.field("fullAddress")) {
                    _ = check.string(full, addressPath.field("fullAddress"))
                }
                // The receipt address must be in the UK: no Eircode here.
                if let postcode = check.present(address["postcode"], addressPath.field("postcode")),
                    let postcode = check.string(postcode, addressPath.field("postcode")),
                    !Check.matches(postcode, .ukPostcode)
                {
                    check.fail(addressPath.field("postcode"), "InvalidFormat", "must be in valid UK format")
                }
                check.refuseUnknownKeys(address, known: Self.addressKeys, addressPath)
            }
        }
        check.refuseUnknownKeys(receipt, known: Self.receiptKeys, path)
    }

    /// A carrier's or broker's address: the full address is optional, the postcode required, UK or Irish.
    private func address(_ value: JSONNode, _ path: FieldPath, _ check: inout Check) {
        let path = path.resolved
        guard let address = check.object(value, path) else { return }
        if let full = address["fullAddress"] { _ = check.string(full, path.field("fullAddress")) }
        if let postcode = check.present(address["postcode"], path.field("postcode")) {
            check.patterns(
                postcode, .anyUKOrIrishPostcode, path.field("postcode"),
                says: "must be in valid UK or Ireland format")
        }
        check.refuseUnknownKeys(address, known: Self.addressKeys, path)
    }

    private func emailAddress(_ value: JSONNode, _ path: FieldPath, _ check: inout Check) {
        if let text = check.string(value, path), !EmailAddress.isValid(text) {
            check.fail(path, "InvalidFormat", "must be a valid email")
        }
    }
}
