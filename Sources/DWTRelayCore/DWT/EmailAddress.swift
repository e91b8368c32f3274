/// The e-mail address test the service applies (Joi `string().email()`, i.e. @hapi/address v5.1.1's
/// `isEmailValid` with IANA's top-level domains), for ASCII addresses. Non-ASCII addresses get the same
/// structural checks, but their domain is not converted to punycode first; see conformance/README.md.
enum EmailAddress {
    static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.utf16.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else {
            return false
        }
        return isValidLocalPart(parts[0]) && isValidDomain(withoutIgnored(parts[1]))
    }

    /// A non-ASCII domain goes through the URL parser first (IDNA), which drops the code points UTS #46 maps
    /// to nothing: `example.co\u{200B}m` is `example.com` to the service.
    private static func withoutIgnored(_ domain: Substring) -> Substring {
        guard !domain.utf8.allSatisfy({ $0 < 0x80 }) else { return domain }
        return Substring(String(String.UnicodeScalarView(domain.unicodeScalars.filter { !isIgnoredByIDNA($0) })))
    }

    private static func isIgnoredByIDNA(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0xAD, 0x34F, 0x180B...0x180D, 0x180F, 0x200B, 0x2060, 0x2064, 0xFE00...0xFE0F, 0xFEFF, 0x1BCA0...0x1BCA3,
            0xE0100...0xE01EF:
            return true
        default: return false
        }
    }

    // ASCII punctuation as tables indexed by code point: a `Set<Character>` built a Character per scalar.
    private static let localCharacters = asciiTable("!#$%&'*+-/=?^_`{|}~")
    private static let forbiddenInDomain = asciiTable("@:/\\#!$&'()*+,;=?")

    private static func asciiTable(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 128)
        for byte in characters.utf8 { table[Int(byte)] = true }
        return table
    }

    private static func isIn(_ table: [Bool], _ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && table[Int(scalar.value)]
    }

    private static func isValidLocalPart(_ local: Substring) -> Bool {
        local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty
                && segment.unicodeScalars.allSatisfy { scalar in
                    !scalar.isASCII || isAlphanumeric(scalar) || isIn(localCharacters, scalar)
                }
        }
    }

    private static func isValidDomain(_ domain: Substring) -> Bool {
        guard !domain.isEmpty, domain.utf16.count <= 256 else { return false }
        if domain.unicodeScalars.contains(where: { $0.value <= 0x20 || isIn(forbiddenInDomain, $0) }) {
            return false
        }
        let segments = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2, let tld = segments.last else { return false }
        guard TopLevelDomains.all.contains(tld.lowercased()) else { return false }
        for (index, segment) in segments.enumerated() {
            guard !segment.isEmpty, segment.utf8.count <= 63 else { return false }
            guard segment.unicodeScalars.allSatisfy({ !$0.isASCII || isAlphanumeric($0) || $0 == "-" }),
                segment.unicodeScalars.last != "-"
            else { return false }
            let first = segment.unicodeScalars.first!
            let isTLD = index == segments.count - 1
            if first == "-" || (isTLD && first.isASCII && !first.properties.isAlphabetic) { return false }
        }
        return true
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
