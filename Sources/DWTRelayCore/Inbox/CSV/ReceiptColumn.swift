import Foundation

/// The columns of Defra's "Report receipt of waste" spreadsheet: sheet "7. Waste movement level" (one row
/// per movement) and sheet "8. Waste item level" (one row per waste item), linked by "Your unique
/// reference". The headings are the template's own (row 6 of each sheet); the API path of each is where
/// Defra's own importer puts it (DEFRA/waste-organisation-backend, `src/services/spreadsheetImport.js`,
/// `movementMapping` and `itemMapping`, which the service runs on every uploaded spreadsheet).
enum ReceiptColumn: String, CaseIterable, Sendable {
    // 7. Waste movement level
    case wasteTrackingID = "Waste Tracking ID"
    case yourUniqueReference = "Your unique reference"
    case siteName = "Site name"
    case siteAddress = "Site address"
    case sitePostcode = "Site postcode"
    case authorisationNumber = "Receiver’s authorisation number"
    case regulatoryPositionStatements = "Regulatory position statements (RPS)"
    case receiverEmail = "Receiver email"
    case receiverPhone = "Receiver phone number"
    case dateReceived = "Date received"
    case consignmentCode = "Hazardous waste consignment code"
    case reasonForNoConsignmentCode = "Give reasons for not having a consignment number"
    case specialHandling = "Special handling requirement"
    case carrierRegistrationNumber = "Carrier registration number"
    case reasonForNoRegistrationNumber = "Give reasons for not having the carrier registration number"
    case carrierName = "Carrier organisation name"
    case carrierAddress = "Carrier address"
    case carrierPostcode = "Carrier post code"
    case carrierEmail = "Carrier contact email address"
    case carrierPhone = "Carrier contact phone number"
    case meansOfTransport = "Means of transport"
    case vehicleRegistration = "Vehicle registration number (if by road)"
    case brokerName = "Broker or dealer organisation name"
    case brokerAddress = "Broker or dealer address"
    case brokerPostcode = "Broker or dealer post code"
    case brokerEmail = "Broker or dealer email"
    case brokerPhone = "Broker or dealer phone number"
    case brokerRegistrationNumber = "Broker or dealer registration number"
    // 8. Waste item level
    case ewcCodes = "EWC code (could be multiple EWC codes for one load)"
    case wasteDescription = "Waste description"
    case physicalForm = "Physical form"
    case numberOfContainers = "Number of containers used"
    case typeOfContainers = "Type of containers"
    case weightUnit = "Weight unit of measurement"
    case weightAmount = "Total weight of waste"
    case weightIsEstimate = "Is the waste weight estimated?"
    case containsPops = "Does the waste contain persistent organic pollutants (POPs)?"
    case popComponents = "POP name & concentration value"
    /// The template has two columns headed "Source of Components": the first is the POPs one.
    case popSource = "Source of Components"
    case containsHazardous = "Is the waste hazardous?"
    case hazCodes = "Hazardous property codes (Haz code)"
    case hazardousComponents = "Component name & concentration value"
    case hazardousSource = "Source of Components (hazardous)"
    case disposalCodes = "Disposal / Recovery code & Weight"

    enum Level { case movement, item }

    /// How a cell's text becomes the API's value (`ReceiptCellParser`).
    enum ValueKind {
        case text, titleCase, weightUnit, londonDateTime, wholeNumber, amount, yesNo, estimate
        case ewcCodes, statementNumbers, containerCode, hazCodes, popComponents, hazardousComponents
        case disposalCodes, wasteTrackingID
    }

    var heading: String { rawValue }

    var level: Level {
        switch self {
        case .ewcCodes, .wasteDescription, .physicalForm, .numberOfContainers, .typeOfContainers, .weightUnit,
            .weightAmount, .weightIsEstimate, .containsPops, .popComponents, .popSource, .containsHazardous, .hazCodes,
            .hazardousComponents, .hazardousSource, .disposalCodes:
            return .item
        default:
            return .movement
        }
    }

    /// Where the value goes: in the movement body, or (item level) in the row's waste item. Nil: not sent.
    var path: [String]? {
        switch self {
        case .wasteTrackingID: return nil
        case .yourUniqueReference: return ["yourUniqueReference"]
        case .siteName: return ["receiver", "siteName"]
        case .siteAddress: return ["receipt", "address", "fullAddress"]
        case .sitePostcode: return ["receipt", "address", "postcode"]
        case .authorisationNumber: return ["receiver", "authorisationNumber"]
        case .regulatoryPositionStatements: return ["receiver", "regulatoryPositionStatements"]
        case .receiverEmail: return ["receiver", "emailAddress"]
        case .receiverPhone: return ["receiver", "phoneNumber"]
        case .dateReceived: return ["dateTimeReceived"]
        case .consignmentCode: return ["hazardousWasteConsignmentCode"]
        case .reasonForNoConsignmentCode: return ["reasonForNoConsignmentCode"]
        case .specialHandling: return ["specialHandlingRequirements"]
        case .carrierRegistrationNumber: return ["carrier", "registrationNumber"]
        case .reasonForNoRegistrationNumber: return ["carrier", "reasonForNoRegistrationNumber"]
        case .carrierName: return ["carrier", "organisationName"]
        case .carrierAddress: return ["carrier", "address", "fullAddress"]
        case .carrierPostcode: return ["carrier", "address", "postcode"]
        case .carrierEmail: return ["carrier", "emailAddress"]
        case .carrierPhone: return ["carrier", "phoneNumber"]
        case .meansOfTransport: return ["carrier", "meansOfTransport"]
        case .vehicleRegistration: return ["carrier", "vehicleRegistration"]
        case .brokerName: return ["brokerOrDealer", "organisationName"]
        case .brokerAddress: return ["brokerOrDealer", "address", "fullAddress"]
        case .brokerPostcode: return ["brokerOrDealer", "address", "postcode"]
        case .brokerEmail: return ["brokerOrDealer", "emailAddress"]
        case .brokerPhone: return ["brokerOrDealer", "phoneNumber"]
        case .brokerRegistrationNumber: return ["brokerOrDealer", "registrationNumber"]
        case .ewcCodes: return ["ewcCodes"]
        case .wasteDescription: return ["wasteDescription"]
        case .physicalForm: return ["physicalForm"]
        case .numberOfContainers: return ["numberOfContainers"]
        case .typeOfContainers: return ["typeOfContainers"]
        case .weightUnit: return ["weight", "metric"]
        case .weightAmount: return ["weight", "amount"]
        case .weightIsEstimate: return ["weight", "isEstimate"]
        case .containsPops: return ["containsPops"]
        case .popComponents: return ["pops", "components"]
        case .popSource: return ["pops", "sourceOfComponents"]
        case .containsHazardous: return ["containsHazardous"]
        case .hazCodes: return ["hazardous", "hazCodes"]
        case .hazardousComponents: return ["hazardous", "components"]
        case .hazardousSource: return ["hazardous", "sourceOfComponents"]
        case .disposalCodes: return ["disposalOrRecoveryCodes"]
        }
    }

    var kind: ValueKind {
        switch self {
        case .wasteTrackingID: return .wasteTrackingID
        case .regulatoryPositionStatements: return .statementNumbers
        case .dateReceived: return .londonDateTime
        case .meansOfTransport, .physicalForm: return .titleCase
        case .weightUnit: return .weightUnit
        case .ewcCodes: return .ewcCodes
        case .numberOfContainers: return .wholeNumber
        case .typeOfContainers: return .containerCode
        case .weightAmount: return .amount
        case .weightIsEstimate: return .estimate
        case .containsPops, .containsHazardous: return .yesNo
        case .popComponents: return .popComponents
        case .hazCodes: return .hazCodes
        case .hazardousComponents: return .hazardousComponents
        case .disposalCodes: return .disposalCodes
        case .popSource, .hazardousSource: return .text
        default: return .text
        }
    }

    /// The API path as written in the mapping file and in errors (`carrier.registrationNumber`,
    /// `wasteItems.weight.amount`).
    var dottedPath: String? {
        guard let path else { return nil }
        return (level == .item ? ["wasteItems"] + path : path).joined(separator: ".")
    }

    /// A heading as compared: case, spacing, curly apostrophes and a trailing `*` do not matter. One pass
    /// over the characters: every cell of every row is looked at for a second heading row.
    static func comparable(_ heading: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in heading.unicodeScalars {
            switch scalar {
            case " ", "\t", "\n", "\r":
                pendingSpace = !out.isEmpty
            default:
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                if scalar == "’" {
                    out.append("'")
                } else if scalar.isASCII {
                    out.append(Unicode.Scalar(UInt8(ascii: scalar) | (("A"..."Z").contains(scalar) ? 0x20 : 0)))
                } else {
                    out.append(contentsOf: String(scalar).lowercased().unicodeScalars)
                }
            }
        }
        while out.last == "*" || out.last == " " { out.removeLast() }
        return String(out)
    }

    /// Every column by its comparable heading, by its heading without the template's note in brackets
    /// ("EWC code", "Vehicle registration number"), and by its comparable API path.
    private static let byName: [String: ReceiptColumn] = {
        var names: [String: ReceiptColumn] = [:]
        for column in allCases.reversed() {
            if let note = column.heading.range(of: " (") {
                names[comparable(String(column.heading[..<note.lowerBound]))] = column
            }
        }
        for column in allCases.reversed() {
            names[comparable(column.heading)] = column
            if let path = column.dottedPath { names[comparable(path)] = column }
        }
        return names
    }()

    /// A template heading or an API path (as the mapping file names a target), to its column.
    static func named(_ name: String) -> ReceiptColumn? {
        // Headings are short: a long cell (a description, guidance text) is not compared at all.
        guard name.utf8.count <= 120 else { return nil }
        return byName[comparable(name)]
    }

    /// Headings the template has that carry no data: the upload's error column.
    static let ignoredHeadings: Set<String> = [comparable("Errors found in your Waste movements")]
}
