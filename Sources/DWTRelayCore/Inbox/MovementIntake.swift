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
        // One parse into one tree, whatever the mode: site defaults, the API's form and the checks all work
        // on it, and the body is written out again only when one of them changed it.
        let reading: JSONNode.Reading
        do {
            reading = try JSONNode.read(data)
        } catch {
            throw IntakeRejection("not valid JSON: \(Self.describe(error))")
        }
        guard case .object(var object) = reading.node else {
            throw IntakeRejection(
                "not a JSON object (got \(reading.node.kindName)); expected one movement body")
        }
        if let key = reading.duplicateKey {
            throw IntakeRejection(field: key, "appears twice in the same object; which value is meant is ambiguous")
        }
        var envelopeID: String? = nil
        var rewritten = false
        if let inner = object["movement"] {
            guard let body = inner.object else {
                throw IntakeRejection(field: "movement", "must be a JSON object (the API request body)")
            }
            if let id = object["wasteTrackingId"] {
                guard let id = id.string, WasteTrackingID(id) != nil else {
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
        _ parsed: JSONNode.Object, envelopeID: String?, rewritten wasRewritten: Bool, data: Data, raw: Data,
        source: MovementSource, sourceFile: String?
    ) throws(IntakeRejection) -> IntakeItem {
        var object = parsed
        var rewritten = wasRewritten
        var filled: [String] = []
        if let defaults {
            (object, filled) = defaults.merge(into: object)
            if !filled.isEmpty { rewritten = true }
        }
        // `intake.validate: off` leaves what people typed as it is: the body is stored and sent as written.
        var changes: [String] = []
        if validation != .off && normalisesTypedInput {
            let normalised: JSONNode.Object
            (normalised, changes) = try TypedInputNormaliser.normalise(object)
            if !changes.isEmpty {
                object = normalised
                rewritten = true
            }
        }
        let apiCode: String
        switch object["apiCode"] {
        case nil, .null?:
            guard let site = siteAPICode else {
                throw IntakeRejection(field: "apiCode", "missing, and no site.api_code is configured to fill it in")
            }
            apiCode = site
            object["apiCode"] = .string(site)
            rewritten = true
        case .string(let code)?:
            apiCode = code
        default:
            throw IntakeRejection(field: "apiCode", "must be a string")
        }
        let reference = try Self.optionalString(object, "yourUniqueReference")
        let received = try Self.optionalString(object, "dateTimeReceived")
        let body = rewritten ? JSONNode.object(object).encoded() : Data(data)
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

    private static func optionalString(_ object: JSONNode.Object, _ key: String) throws(IntakeRejection) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw IntakeRejection(field: key, "must be a string")
        }
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        let text = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
        // A 10,000-digit number would otherwise be quoted back in full.
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
