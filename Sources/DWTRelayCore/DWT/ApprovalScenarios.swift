import Foundation

/// Defra's production approval test (PAT) scenarios for the Receipt API, with synthetic data only:
/// the test environment must never receive personal data, so no names of people, emails or phones.
public struct ApprovalScenario: Sendable {
    public enum Expectation: String, Sendable {
        /// 201 with no warnings required.
        case accepted
        /// 201 with at least one validation warning.
        case acceptedWithWarning = "accepted with warning"
        /// 400.
        case rejected
    }

    public let id: String
    public let title: String
    public let expectation: Expectation
    /// Builds the request body for an apiCode.
    let build: @Sendable (_ apiCode: String, _ now: Date) -> [String: Any]

    public func body(apiCode: String, now: Date = Date()) -> Data {
        (try? JSONSerialization.data(withJSONObject: build(apiCode, now), options: [.sortedKeys])) ?? Data()
    }

    public static let all: [ApprovalScenario] = [
        .init(id: "R01", title: "Single waste item", expectation: .accepted) { code, now in base(code, now) },
        .init(id: "R02", title: "Multiple waste items", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["wasteItems"] = [item(), item(ewc: "170107", description: "PAT synthetic mixed rubble")]
            return body
        },
        .init(id: "R03", title: "Road transport with vehicle registration", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["carrier"] = carrier(transport: "Road", extra: ["vehicleRegistration": "PAT 001"])
            return body
        },
        .init(id: "R04", title: "No disposal or recovery codes (warning expected)", expectation: .acceptedWithWarning) {
            code, now in
            var body = base(code, now)
            var first = item()
            first.removeValue(forKey: "disposalOrRecoveryCodes")
            body["wasteItems"] = [first]
            return body
        },
        .init(id: "R05", title: "Multiple disposal or recovery codes", expectation: .accepted) { code, now in
            var body = base(code, now)
            var first = item()
            first["disposalOrRecoveryCodes"] = [disposal("R5", 1.5), disposal("D1", 1.0)]
            body["wasteItems"] = [first]
            return body
        },
        .init(id: "R07", title: "Two or more EWC codes on one item", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["wasteItems"] = [item(ewcCodes: ["170101", "170102", "170107"])]
            return body
        },
        .init(id: "C01", title: "No carrier registration and no reason (rejection expected)", expectation: .rejected) {
            code, now in
            var body = base(code, now)
            body["carrier"] = carrier(registration: nil)
            return body
        },
        .init(id: "C02", title: "No carrier registration, with a reason", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["carrier"] = carrier(registration: nil, extra: ["reasonForNoRegistrationNumber": "ONE_OFF"])
            return body
        },
        .init(id: "B01", title: "Broker or dealer", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["brokerOrDealer"] = [
                "organisationName": "PAT Synthetic Broker Ltd", "registrationNumber": "CBDU000002",
                "address": ["fullAddress": "2 Synthetic Road, Testtown", "postcode": "TE1 1ST"],
            ]
            return body
        },
        .init(id: "P01", title: "Multiple POPs components", expectation: .accepted) { code, now in
            var body = base(code, now)
            var first = item(ewc: "200307", description: "PAT synthetic upholstered seating")
            first["containsPops"] = true
            first["pops"] = [
                "sourceOfComponents": "OWN_TESTING",
                "components": [["code": "END", "concentration": 12.5], ["code": "HCBD", "concentration": 3]],
            ]
            body["wasteItems"] = [first]
            return body
        },
        .init(id: "H01", title: "Multiple hazardous components", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["hazardousWasteConsignmentCode"] = "PAT001/A0001"
            body["wasteItems"] = [hazardousItem()]
            return body
        },
        .init(
            id: "H02", title: "Hazardous without consignment code or reason (rejection expected)",
            expectation: .rejected
        ) { code, now in
            var body = base(code, now)
            body["wasteItems"] = [hazardousItem()]
            return body
        },
        .init(id: "H03", title: "Hazardous without consignment code, with a reason", expectation: .accepted) {
            code, now in
            var body = base(code, now)
            body["reasonForNoConsignmentCode"] = "NO_DOC_WITH_WASTE"
            body["wasteItems"] = [hazardousItem()]
            return body
        },
        .init(id: "X01", title: "Hazardous and POPs", expectation: .accepted) { code, now in
            var body = base(code, now)
            body["hazardousWasteConsignmentCode"] = "PAT001/X0001"
            var first = hazardousItem()
            first["containsPops"] = true
            first["pops"] = ["sourceOfComponents": "GUIDANCE", "components": [["code": "PCNS", "concentration": 7]]]
            body["wasteItems"] = [first]
            return body
        },
    ]

    // MARK: synthetic building blocks

    static func base(_ apiCode: String, _ now: Date) -> [String: Any] {
        [
            "apiCode": apiCode,
            "dateTimeReceived": Date.ISO8601FormatStyle().format(now),
            "yourUniqueReference": "PAT-\(Int(now.timeIntervalSince1970))",
            "wasteItems": [item()],
            "carrier": carrier(),
            "receiver": ["siteName": "PAT Synthetic Receiving Site", "authorisationNumber": "EPR/AB1234CD"],
            "receipt": ["address": ["fullAddress": "1 Synthetic Lane, Testtown", "postcode": "TE1 1ST"]],
        ]
    }

    static func item(
        ewc: String = "170101", ewcCodes: [String]? = nil, description: String = "PAT synthetic concrete"
    ) -> [String: Any] {
        [
            "ewcCodes": ewcCodes ?? [ewc], "wasteDescription": description, "physicalForm": "Solid",
            "numberOfContainers": 1, "typeOfContainers": "SKI",
            "weight": ["metric": "Tonnes", "amount": 2.5, "isEstimate": false],
            "containsPops": false, "containsHazardous": false,
            "disposalOrRecoveryCodes": [disposal("R5", 2.5)],
        ]
    }

    static func hazardousItem() -> [String: Any] {
        var hazardous = item(ewc: "170106", description: "PAT synthetic contaminated concrete")
        hazardous["containsHazardous"] = true
        hazardous["hazardous"] = [
            "sourceOfComponents": "PROVIDED_WITH_WASTE", "hazCodes": ["HP_5", "HP_7"],
            "components": [["name": "Lead", "concentration": 30], ["name": "Mercury", "concentration": 2.5]],
        ]
        return hazardous
    }

    static func disposal(_ code: String, _ tonnes: Double) -> [String: Any] {
        ["code": code, "weight": ["metric": "Tonnes", "amount": tonnes, "isEstimate": false]]
    }

    static func carrier(
        registration: String? = "CBDU000001", transport: String = "Rail", extra: [String: Any] = [:]
    ) -> [String: Any] {
        var carrier: [String: Any] = [
            "organisationName": "PAT Synthetic Carrier Ltd", "meansOfTransport": transport,
            "registrationNumber": registration ?? NSNull(),
        ]
        carrier.merge(extra) { $1 }
        return carrier
    }
}
