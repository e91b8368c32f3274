import Crypto
import Foundation

/// The local checks every movement passes before it is stored, whichever way it arrived.
///
/// Only what cannot succeed is refused here (not JSON, not an object, too big, no apiCode at all):
/// the service owns validation, and the payload is forwarded as written.
public struct MovementIntake: Sendable {
    public var siteAPICode: String?
    public var maxBytes: Int
    /// Computes each movement's legal deadline (nil: none recorded).
    public var deadline: ReceiptDeadline?
    /// Offline validation at intake: `warn`, `reject` or `off`.
    public var validation = RelayConfig.ValidationMode.off
    public var validator = MovementValidator()

    public init(siteAPICode: String?, maxBytes: Int, deadline: ReceiptDeadline? = nil) {
        self.siteAPICode = siteAPICode
        self.maxBytes = maxBytes
        self.deadline = deadline
    }

    /// The site the movements belong to (named only in multi-site configs).
    public var siteName: String?
    /// The site's fixed facts merged into each movement (`site.defaults_file`).
    public var defaults: SiteDefaults?
    /// Put what people type into the API's form (`TypedInputNormaliser`) when validation is on.
    public var normalisesTypedInput = true
    /// A weighbridge package's own CSV columns (`intake.csv_mapping_file`).
    public var csvMapping = CSVMapping()
    /// Largest CSV file (`intake.max_csv_bytes`).
    public var maxCSVBytes = 16 << 20

    public init(config: RelayConfig, site: SiteConfig? = nil) {
        let site = site ?? config.sites[0]
        self.init(
            siteAPICode: site.apiCode, maxBytes: config.maxFileBytes,
            deadline: ReceiptDeadline(nation: site.nation, holidays: .load(siteFile: config.bankHolidaysFile)))
        validation = config.intakeValidate
        siteName = config.configuredSites == nil ? nil : site.name
        // Checked at start-up (`RelayConfig.siteDefaults`, a config error); here a file gone since is skipped.
        defaults = site.defaultsFile.flatMap { try? SiteDefaults(path: $0, key: "site.defaults_file") }
        csvMapping = (try? config.csvMapping()) ?? CSVMapping()
        maxCSVBytes = config.integer("intake.max_csv_bytes")
    }

    public func check(_ raw: Data, source: MovementSource, sourceFile: String?) throws(IntakeRejection) -> IntakeItem {
        guard raw.count <= maxBytes else {
            throw IntakeRejection("file is \(raw.count) bytes, over the \(maxBytes)-byte limit (intake.max_file_bytes)")
        }
        var data = raw
        // Windows tools often write a UTF-8 byte-order mark; it carries no meaning, so it is dropped.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data = data.dropFirst(3) }
        // One pass over the bytes through a pointer: iterating `Data` byte by byte was a visible cost.
        let (blank, hasNUL, validUTF8) = data.withUnsafeBytes { raw -> (Bool, Bool, Bool) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var blank = true
            var hasNUL = false
            for byte in bytes {
                if byte == 0 { hasNUL = true }
                if byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 { blank = false }
            }
            return (blank, hasNUL, String(validating: bytes, as: UTF8.self) != nil)
        }
        guard !blank else { throw IntakeRejection("file is empty") }
        // UTF-32 first: its little-endian mark begins with UTF-16's.
        if data.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || data.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw IntakeRejection("file is UTF-32; movement files must be UTF-8 JSON")
        }
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            throw IntakeRejection("file is UTF-16; movement files must be UTF-8 JSON")
        }
        if hasNUL { throw IntakeRejection("file contains NUL bytes; not a UTF-8 JSON text") }
        guard validUTF8 else { throw IntakeRejection("file is not valid UTF-8") }
        if validation == .off, defaults == nil,
            let item = try quickItem(data, raw: raw, source: source, sourceFile: sourceFile)
        {
            return item
        }
        let parsed: Any
        do {
            parsed = try JSONText.parse(data, options: [.fragmentsAllowed])
        } catch {
            throw IntakeRejection("not valid JSON: \(Self.describe(error))")
        }
        guard var object = parsed as? [String: Any] else {
            throw IntakeRejection("not a JSON object (got \(Self.kindName(parsed))); expected one movement body")
        }
        if let key = JSONDuplicateKeys.first(in: data) {
            throw IntakeRejection(field: key, "appears twice in the same object; which value is meant is ambiguous")
        }
        var envelopeID: String? = nil
        var rewritten = false
        if let inner = object["movement"] {
            guard let body = inner as? [String: Any] else {
                throw IntakeRejection(field: "movement", "must be a JSON object (the API request body)")
            }
            if let id = object["wasteTrackingId"] {
                guard let id = id as? String, WasteTrackingID(id) != nil else {
                    throw IntakeRejection(
                        field: "wasteTrackingId",
                        "must be a waste tracking ID like 26ABCD12 (two digits, six letters or digits)")
                }
                envelopeID = id
            }
            object = body
            rewritten = true
        }
        return try finish(
            object, envelopeID: envelopeID, rewritten: rewritten, data: data, raw: raw, source: source,
            sourceFile: sourceFile)
    }

    /// What every movement body goes through once read, whatever its format: site defaults, the API's form,
    /// the site's apiCode, then offline validation. `data` is the body as written (sent when not rewritten).
    func finish(
        _ parsed: [String: Any], envelopeID: String?, rewritten wasRewritten: Bool, data: Data, raw: Data,
        source: MovementSource, sourceFile: String?
    ) throws(IntakeRejection) -> IntakeItem {
        var object = parsed
        var rewritten = wasRewritten
        var filled: [String] = []
        if let defaults {
            (object, filled) = defaults.merge(into: object)
            if !filled.isEmpty { rewritten = true }
        }
        // `intake.validate: off` passes files through untouched (and decides as the quick path does).
        var changes: [String] = []
        if validation != .off && normalisesTypedInput {
            let normalised: [String: Any]
            (normalised, changes) = try TypedInputNormaliser.normalise(object)
            if !changes.isEmpty {
                object = normalised
                rewritten = true
            }
        }
        let apiCode: String
        switch object["apiCode"] {
        case nil, is NSNull:
            guard let site = siteAPICode else {
                throw IntakeRejection(field: "apiCode", "missing, and no site.api_code is configured to fill it in")
            }
            apiCode = site
            object["apiCode"] = site
            rewritten = true
        case let code as String:
            apiCode = code
        default:
            throw IntakeRejection(field: "apiCode", "must be a string")
        }
        let reference = try Self.optionalString(object, "yourUniqueReference")
        let received = try Self.optionalString(object, "dateTimeReceived")
        let body: Data
        if rewritten {
            guard let encoded = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
                throw IntakeRejection("body cannot be re-encoded as JSON")
            }
            body = encoded
        } else {
            body = Data(data)
        }
        var item = makeItem(
            raw: raw, body: body, source: source, sourceFile: sourceFile, apiCode: apiCode, reference: reference,
            received: received)
        item.envelopeWasteTrackingId = envelopeID
        item.filledFromDefaults = filled
        item.normalised = changes
        if validation != .off {
            let report = validator.validate(object)
            // A body the service would store and then answer 500 is refused in either mode: sent, it would
            // be stored at the service under an ID we never learn, and every resend would store another.
            if let fault = report.storedThenFails {
                throw IntakeRejection(field: fault.key, fault.message, issues: [fault])
            }
            if !report.errors.isEmpty && validation == .reject {
                throw IntakeRejection(
                    field: report.errors[0].key,
                    "Defra's rules refuse it (intake.validate: reject): "
                        + ValidationIssue.summary(of: report.errors),
                    issues: report.errors)
            }
            item.localIssues = report.errors
        }
        return item
    }

    /// The common case without building a tree (see `JSONScanner`): a plain movement object whose apiCode,
    /// reference and receipt time are plain strings. Nil sends the file down the full path.
    private func quickItem(_ data: Data, raw: Data, source: MovementSource, sourceFile: String?) throws(IntakeRejection)
        -> IntakeItem?
    {
        guard let top = data.withUnsafeBytes({ JSONScanner.scan($0.bindMemory(to: UInt8.self)) }) else { return nil }
        if let key = top.duplicateKey {
            throw IntakeRejection(field: key, "appears twice in the same object; which value is meant is ambiguous")
        }
        guard !top.keys.contains("movement"), let apiCode = top.strings["apiCode"] else { return nil }
        for key in ["yourUniqueReference", "dateTimeReceived"] where top.keys.contains(key) && top.strings[key] == nil {
            return nil
        }
        return makeItem(
            raw: raw, body: Data(data), source: source, sourceFile: sourceFile, apiCode: apiCode,
            reference: top.strings["yourUniqueReference"], received: top.strings["dateTimeReceived"])
    }

    private func makeItem(
        raw: Data, body: Data, source: MovementSource, sourceFile: String?, apiCode: String, reference: String?,
        received: String?
    ) -> IntakeItem {
        var item = IntakeItem(
            source: source, sourceFile: sourceFile, contentHash: Self.hash(raw), body: body, apiCode: apiCode,
            yourUniqueReference: reference, envelopeWasteTrackingId: nil, dateTimeReceived: received)
        item.site = siteName
        item.deadlineAt = deadline?.deadline(dateTimeReceived: received, fallback: Date().timeIntervalSince1970)
        return item
    }

    public static func hash(_ data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: data) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static func optionalString(_ object: [String: Any], _ key: String) throws(IntakeRejection) -> String? {
        switch object[key] {
        case nil, is NSNull: return nil
        case let value as String: return value
        default: throw IntakeRejection(field: key, "must be a string")
        }
    }

    static func kindName(_ value: Any) -> String {
        switch value {
        case is [Any]: return "an array"
        case is String: return "a string"
        case is NSNumber: return "a number or boolean"
        case is NSNull: return "null"
        default: return "\(type(of: value))"
        }
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        let text = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
        // A 10,000-digit number would otherwise be quoted back in full.
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
