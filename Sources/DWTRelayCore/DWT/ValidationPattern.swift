import Foundation

/// One of Defra's patterns (`ValidationRules`), compiled once and matched as JavaScript matches it: `$` is the
/// true end of input (ICU's `$` also matches before a final line terminator, so `"TC1 2AB\r"` passed), and
/// under `(?i)` no character outside ASCII matches an ASCII letter (ICU's case folding took `ſ` for `s` and
/// the Kelvin sign for `k`; JavaScript's non-Unicode `/i` never maps a character above 127 to one below).
///
/// A type of its own rather than the pattern's text looked up in a cache: hashing a 200-character pattern and
/// searching it for `(?i` on every match cost more than most checks.
final class ValidationPattern: Sendable {
    let source: String
    // NSRegularExpression is immutable once built and documented as safe to use from several threads.
    private nonisolated(unsafe) let regex: NSRegularExpression?
    private let caseInsensitive: Bool

    /// Values that matched: a site sends the same permit number, postcode and carrier registration in file
    /// after file, and matching them again was most of what validation cost. A value counts as known only
    /// when it is the same byte for byte (`JSText.contains`; a `Set<String>` alone finds canonically
    /// equivalent spellings), so a verdict never depends on what was validated before.
    private nonisolated(unsafe) var remembered: Set<String> = []
    private let lock = NSLock()
    private static let rememberedLimit = 256

    init(_ source: String) {
        self.source = source
        regex = try? NSRegularExpression(pattern: JSText.icuPattern(source))
        caseInsensitive = source.contains("(?i")
    }

    func matches(_ text: String) -> Bool {
        lock.lock()
        let known = JSText.contains(remembered, text)
        lock.unlock()
        if known { return true }
        guard let regex else { return false }
        let subject = caseInsensitive ? JSText.caseFoldSafe(text) : text
        let found =
            regex.firstMatch(in: subject, range: NSRange(subject.startIndex..<subject.endIndex, in: subject)) != nil
        if found && text.utf8.count <= 64 {
            lock.lock()
            if remembered.count >= Self.rememberedLimit { remembered = [] }
            remembered.insert(text)
            lock.unlock()
        }
        return found
    }

    static let guid = ValidationPattern(ValidationRules.guid)
    static let isoDate = ValidationPattern(ValidationRules.isoDate)
    static let javaScriptDate = ValidationPattern(ValidationRules.javaScriptDate)
    static let ewcCode = ValidationPattern(ValidationRules.ewcCode)
    static let ukPostcode = ValidationPattern(ValidationRules.ukPostcode)
    /// Each list of `ValidationRules` as one pattern, so a value is matched once rather than once per pattern
    /// (the receiver's permit number has eighteen forms).
    static let anyConsignmentCode = ValidationPattern(ValidationRules.anyOf(ValidationRules.consignmentCodes))
    static let anyCarrierRegistration = ValidationPattern(ValidationRules.anyOf(ValidationRules.carrierRegistrations))
    static let anyAuthorisationNumber = ValidationPattern(ValidationRules.anyOf(ValidationRules.authorisationNumbers))
    static let anyUKOrIrishPostcode = ValidationPattern(
        ValidationRules.anyOf([ValidationRules.ukPostcode, ValidationRules.irishPostcode]))
}
