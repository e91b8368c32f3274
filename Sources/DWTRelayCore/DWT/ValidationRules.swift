/// The spec's formats and enumerations as data, so a spec update is a data update
/// (receipt-api.yml, June 2026 edition).
public enum ValidationRules {
    public static let requiredTopLevel = [
        "apiCode", "dateTimeReceived", "carrier", "wasteItems", "receiver", "receipt",
    ]
    public static let requiredWasteItem = [
        "ewcCodes", "wasteDescription", "physicalForm", "typeOfContainers", "numberOfContainers", "weight",
        "containsPops", "containsHazardous",
    ]
    public static let physicalForms = ["Gas", "Liquid", "Solid", "Powder", "Sludge", "Mixed"]
    public static let weightMetrics = ["Grams", "Kilograms", "Tonnes"]
    public static let sourcesOfComponents = ["NOT_PROVIDED", "PROVIDED_WITH_WASTE", "GUIDANCE", "OWN_TESTING"]
    public static let meansOfTransport = ["Road", "Rail", "Air", "Sea", "Inland Waterway", "Piped", "Other"]
    public static let reasonsForNoRegistration = ["ON_SITE", "HOUSEHOLD", "ONE_OFF", "MARINE"]
    /// The spec lists both the labels (enum) and the codes (table); both are accepted.
    public static let reasonsForNoConsignmentCode = [
        "Non-Haz Waste Transfer", "No documentation provided with Waste", "Household Waste Recycling Centre Receipt",
        "NON_HAZ_WASTE_TRANSFER", "NO_DOC_WITH_WASTE", "HWRC_RECEIPT",
    ]
    public static let maxEWCCodesPerItem = 5
    public static let maxSpecialHandling = 5000
    public static let maxVehicleRegistration = 10

    public static let uuid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    public static let ewcCode = "^[0-9]{6}$"
    /// England & Wales XXXXXX/YYYYY; Scotland SA/SB/SC + 7 digits; Northern Ireland DA/DB/DC + 7 digits.
    public static let consignmentCodes = [
        "^[A-Za-z0-9]{6}/[A-Za-z0-9]{5}$", "^S[ABC][0-9]{7}$", "^D[ABC][0-9]{7}$",
    ]
    public static let carrierRegistrations = [
        "^CBD[LU][0-9]+$", "^WCR/R/[0-9]{7}$", "^(SCO|SEA|SNO|SWE|WCR)/[0-9]{6}$", "^ROC ?[UL]T ?[0-9]{1,5}$",
    ]
    /// Site authorisation numbers of all four nations (matched case-insensitively).
    public static let authorisationNumbers = [
        "^EAWML[0-9]{6}$", "^WML[0-9]{6}$", "^E[A-Z]{2}[0-9]{4}[A-Z]{2}$", "^[A-Z]{2}[0-9]{4}[A-Z]{2}(/D[0-9]{4})?$",
        "^EPR/[A-Z]{2}[0-9]{4}[A-Z]{2}$", "^PR/[A-Z]{2}[0-9]{4}[A-Z]{2}/D[0-9]{4}$",
        "^(PPC|WML)/[AWNEL]/[0-9]{7}(/[0-9]{2})?$", "^(PPC|WML)/[AWL]/SEPA[0-9]{4}-[0-9]{4}$", "^EAS/P/[0-9]{6}$",
        "^P[0-9]{4}/[0-9]{2}[A-Z](/V[0-9]+)?$", "^WPPC [0-9]{2}/[0-9]{2}(/V[0-9]+)?$",
        "^WML [0-9]{2}/[0-9]+(/T)?( LN/[0-9]{2}/[0-9]+(/(M|V[0-9]+|T|C|N))*| PAC/[0-9]{4}/WCL[0-9]{3})?$",
        "^LN/[0-9]{2}/[0-9]+(/(M|V[0-9]+|T|C|N))*$", "^PAC/[0-9]{4}/WCL[0-9]{3}$",
    ]
    /// UK postcodes (receipt address), including GIR 0AA.
    public static let ukPostcode = "^([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA)$"
    /// UK or Irish (Eircode) postcodes for carriers and brokers.
    public static let ukOrIrishPostcode =
        "^([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA|[AC-FHKNPRTV-Y][0-9]{2}[0-9W]? ?[0-9AC-FHKNPRTV-Y]{4})$"
}
