/// The running service's formats, code lists and messages as data, so that a change of Defra's rules is a
/// change of data here. Mirrors DEFRA/waste-movement-utils at 4986c602 (2026-07-21: `src/constants/
/// regexes.js`, `validation-error-messages.js`, `validation-warning-messages.js`, `no-consignment-reasons.js`,
/// `reasons-for-no-registration-number.js`, `means-of-transport.js`, `source-of-components.js`,
/// `schemas/hazardous-waste-consignment.js`); `conformance/sources.json` pins every source.
///
/// Patterns are written for ICU with ASCII classes (`[0-9]`, not `\d`), because JavaScript's `\d` and `\W`
/// are ASCII-only and ICU's are not. `(?i)` marks Defra's case-insensitive patterns.
public enum ValidationRules {
    public static let physicalForms = ["Gas", "Liquid", "Solid", "Powder", "Sludge", "Mixed"]
    public static let weightMetrics = ["Grams", "Kilograms", "Tonnes"]
    public static let sourcesOfComponents = ["PROVIDED_WITH_WASTE", "GUIDANCE", "OWN_TESTING", "NOT_PROVIDED"]
    /// Sources after which the service asks for the components themselves.
    public static let sourcesWithComponents = ["GUIDANCE", "OWN_TESTING"]
    public static let meansOfTransport = ["Road", "Rail", "Air", "Sea", "Inland Waterway", "Piped", "Other"]
    public static let reasonsForNoRegistration = ["ON_SITE", "HOUSEHOLD", "ONE_OFF", "MARINE"]
    /// Codes only: the running service refuses the labels the prose spec also lists.
    public static let reasonsForNoConsignmentCode = ["NON_HAZ_WASTE_TRANSFER", "NO_DOC_WITH_WASTE", "HWRC_RECEIPT"]
    public static let maxEWCCodesPerItem = 5
    /// Counted in UTF-16 code units, as JavaScript counts a string's length.
    public static let maxSpecialHandling = 5000

    /// Joi's `string().uuid()`: optional matching brackets, optional `-` or `:` separators, any version.
    public static let guid =
        "(?i)^([\\[{(]?)[0-9A-F]{8}([:-]?)[0-9A-F]{4}\\2[0-9A-F]{4}\\2[0-9A-F]{4}\\2[0-9A-F]{12}([\\]})]?)$"
    /// Joi's ISO 8601 test for `date().iso()` (a date alone, a space for `T` and no offset all pass).
    public static let isoDate =
        "^(?:[-+][0-9]{2})?(?:[0-9]{4}(?![0-9]{2}\\b))(?:(-?)(?:(?:0[1-9]|1[0-2])(?:\\1(?:[12][0-9]|0[1-9]|3[01]))?"
        + "|W(?:[0-4][0-9]|5[0-2])(?:-?[1-7])?|(?:00[1-9]|0[1-9][0-9]|[12][0-9]{2}|3(?:[0-5][0-9]|6[1-6])))"
        + "(?![T]$|[T][0-9]+Z$)(?:[T\\s](?:(?:(?:[01][0-9]|2[0-3])(?:(:?)[0-5][0-9])?|24:?00)(?:[.,][0-9]+(?!:))?)"
        + "(?:\\2[0-5][0-9](?:[.,][0-9]+)?)?(?:[Z]|(?:[+-])(?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?)?$"
    /// The subset of those that JavaScript's `Date` (V8) then parses: week and ordinal dates, dates without
    /// dashes, a decimal comma (`09:30:00,5Z`) and an offset of hours alone (`+01`) pass Joi's pattern but
    /// make an invalid date, which the service refuses.
    public static let javaScriptDate =
        "^[-+]?[0-9]{4,6}(-[0-9]{2}(-[0-9]{2})?)?([T\\s][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
    public static let ewcCode = "^[0-9]{6}$"
    public static let consignmentCodes = [
        "^[A-Za-z0-9]{2,}/[A-Za-z0-9]{5}[A-Za-z]?$", "^S[ABC][0-9]{7}$", "^D[ABC][0-9]{7}$",
    ]
    /// England and Wales (CBDU/CBDL), Scotland (SEPA), Northern Ireland (ROC UT/LT).
    public static let carrierRegistrations = [
        "(?i)^CBD[LU][0-9]{3,}$", "(?i)^((WCR/R/[0-9]{7})|((SCO|SEA|SNO|SWE|WCR)/[0-9]{6}))$",
        "(?i)^PCT-[A-Z]-[0-9]{3,7}$", "(?i)^ROC[^A-Za-z0-9_]*[UL]T[^A-Za-z0-9_]*[0-9]{1,5}$",
    ]
    /// Site authorisation numbers of the four regulators; matched after trimming, case-insensitively.
    public static let authorisationNumbers = [
        "(?i)^[A-Z]{2}[0-9]{4}[A-Z]{2}$", "(?i)^[A-Z]{2}[0-9]{4}[A-Z]{2}/D[0-9]{4}$",
        "(?i)^EPR/[A-Z]{2}[0-9]{4}[A-Z]{2}$",
        "(?i)^EPR/[A-Z]{2}[0-9]{4}[A-Z]{2}/D[0-9]{4}$", "(?i)^EAWML[0-9]{5,6}$", "(?i)^WML[0-9]{5,6}$",
        "(?i)^PPC/[AWEN]/[0-9]{7}$", "(?i)^WML/[LWEN]/[0-9]{7}$", "(?i)^WML/[LWEN]/[0-9]{7}/[0-9]{2}$",
        "(?i)^PPC/A/SEPA[0-9]{4}-[0-9]{4}$", "(?i)^WML/L/SEPA[0-9]{4}-[0-9]{4}$", "(?i)^EAS/P/[0-9]{6}$",
        "(?i)^P[0-9]{4}/[0-9]{2}[A-Z]$", "(?i)^P[0-9]{4}/[0-9]{2}[A-Z]/V[0-9]+$", "(?i)^WPPC [0-9]{2}/[0-9]{2}$",
        "(?i)^WPPC [0-9]{2}/[0-9]{2}/V[0-9]+$", "(?i)^WML [0-9]{2}/[0-9]+(/T)? LN/[0-9]{2}/[0-9]+(/([MTCN]|V[0-9]+))*$",
        "(?i)^WML [0-9]{2}/[0-9]+ PAC/[0-9]{4}/WCL[0-9]{3}$",
    ]
    /// UK postcodes as GOV.UK's bulk data transfer guidance writes them: the space is required.
    public static let ukPostcode =
        "(?i)^((GIR 0A{2})|((([A-Z][0-9]{1,2})|(([A-Z][A-HJ-Y][0-9]{1,2})|(([A-Z][0-9][A-Z])|([A-Z][A-HJ-Y][0-9]?[A-Z])))) [0-9][A-Z]{2}))$"
    /// Irish Eircodes (carrier and broker addresses may be in Ireland; the receipt address may not).
    public static let irishPostcode = "(?i)^(?:D6W|[AC-FHKNPRTV-Y][0-9]{2}) ?[0-9AC-FHKNPRTV-Y]{4}$"

    /// Several patterns as one (`ValidationPattern.anyCarrierRegistration`...).
    static func anyOf(_ patterns: [String]) -> String {
        patterns.map { $0.hasPrefix("(?i)") ? "(?i:\($0.dropFirst(4)))" : "(?:\($0))" }.joined(separator: "|")
    }

    /// The service's own message texts where it does not use Joi's.
    enum Message {
        static let registrationOrReasonRequired =
            "Either carrier.registrationNumber or carrier.reasonForNoRegistrationNumber is required"
        static let reasonOnlyWithoutRegistration =
            "carrier.reasonForNoRegistrationNumber should only be provided when carrier.registrationNumber is not provided"
        static let vehicleRequiredForRoad =
            "If carrier.meansOfTransport is \"Road\" then carrier.vehicleRegistration is required"
        static let vehicleOnlyForRoad =
            "If carrier.meansOfTransport is not \"Road\" then carrier.vehicleRegistration is not applicable"
        static let registrationFormat = "must be in a valid England, SEPA, NRW or NI format"
        static let consignmentFormat =
            "must be in one of the valid formats: EA/NRW (2 or more alphanumeric characters followed by / and 5-6 alphanumeric characters, e.g. CJTILE/A0001), SEPA (SA|SB|SC followed by 7 digits), or NIEA (DA|DB|DC followed by 7 digits)"
        static let consignmentReasonRequired =
            "\"reasonForNoConsignmentCode\" is required when wasteItems[*].ewcCodes contains a hazardous code and hazardousWasteConsignmentCode is not provided"
        static let unknownAPICode = "the API Code supplied is invalid"
        static let componentsRecommended =
            "are recommended when source of components is one of PROVIDED_WITH_WASTE, GUIDANCE, OWN_TESTING"
        static let concentrationRecommended =
            "is recommended when source of components is one of PROVIDED_WITH_WASTE, GUIDANCE, OWN_TESTING"
        static let disposalCodesRecommended = "is required for proper waste tracking and compliance"
    }
}
