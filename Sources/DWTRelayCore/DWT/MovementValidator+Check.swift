import Foundation

extension MovementValidator {
    /// Accumulates issues and holds the small type checks the rules share.
    struct Check {
        var report = Report()

        mutating func error(_ key: String, _ type: String, _ message: String) {
            report.errors.append(ValidationIssue(key, type, message))
        }

        mutating func warning(_ key: String, _ type: String, _ message: String) {
            report.warnings.append(ValidationIssue(key, type, message))
        }

        static func isMissing(_ value: Any?) -> Bool {
            guard let value else { return true }
            if let text = value as? String { return text.isEmpty }
            // Objects and arrays first: on Linux, asking whether a Swift dictionary `is NSNull` bridges the
            // whole dictionary to NSDictionary, which was a tenth of the cost of validating a movement.
            if isContainer(value) { return false }
            return value is NSNull
        }

        /// A JSON object or array (as JSONSerialization returns them: Swift collections).
        static func isContainer(_ value: Any) -> Bool { value is [String: Any] || value is [Any] }

        /// The class JSONSerialization boxes true and false in (__NSCFBoolean, on Linux too); plain numbers are
        /// NSNumber. Compared by identity: formatting the type's name for every number was a visible cost.
        static let booleanType: ObjectIdentifier = {
            let parsed = try? JSONSerialization.jsonObject(with: Data("[true]".utf8)) as? [Any]
            return ObjectIdentifier(type(of: parsed?.first ?? true))
        }()

        static func isBoolean(_ value: Any) -> Bool {
            !isContainer(value) && ObjectIdentifier(type(of: value)) == booleanType
        }

        static func isNumber(_ value: Any) -> Bool { !isContainer(value) && value is NSNumber && !isBoolean(value) }

        static func isInteger(_ value: Any) -> Bool {
            guard isNumber(value), let number = value as? NSNumber else { return false }
            return number.doubleValue == number.doubleValue.rounded() && abs(number.doubleValue) < 1e15
        }

        static func matches(_ text: String, _ pattern: String) -> Bool {
            guard let regex = CompiledPatterns.shared.regex(pattern) else { return false }
            let range = NSRange(text.startIndex..<text.endIndex, in: text)
            return regex.firstMatch(in: text, range: range) != nil
        }

        mutating func oneOf(_ value: Any?, _ options: [String], key: String) {
            guard let value, !Self.isMissing(value) else { return }
            if !(value is String) || !options.contains(value as! String) {
                error(key, "InvalidValue", "\"\(key)\" must be one of \(options.joined(separator: ", "))")
            }
        }

        mutating func boolean(_ value: Any?, key: String) -> Bool? {
            guard let value, !Self.isMissing(value) else { return nil }
            guard Self.isBoolean(value), let flag = value as? Bool else {
                error(key, "InvalidType", "\"\(key)\" must be true or false")
                return nil
            }
            return flag
        }

        mutating func weight(_ value: Any, key: String) {
            guard let weight = value as? [String: Any] else {
                error(key, "InvalidType", "\"\(key)\" must be an object")
                return
            }
            if Self.isMissing(weight["metric"]) {
                error("\(key).metric", "NotProvided", "\"\(key).metric\" is required")
            } else {
                oneOf(weight["metric"], ValidationRules.weightMetrics, key: "\(key).metric")
            }
            if let amount = weight["amount"], !Self.isMissing(amount) {
                if !Self.isNumber(amount) || (amount as! NSNumber).doubleValue <= 0
                    || !(amount as! NSNumber).doubleValue.isFinite
                {
                    error("\(key).amount", "OutOfRange", "\"\(key).amount\" must be greater than 0")
                }
            } else {
                error("\(key).amount", "NotProvided", "\"\(key).amount\" is required")
            }
            if Self.isMissing(weight["isEstimate"]) {
                error("\(key).isEstimate", "NotProvided", "\"\(key).isEstimate\" is required")
            } else {
                _ = boolean(weight["isEstimate"], key: "\(key).isEstimate")
            }
        }

        mutating func postcode(_ value: Any?, key: String, pattern: String) {
            guard let value, !Self.isMissing(value) else { return }
            let text = (value as? String ?? "").uppercased().trimmingCharacters(in: .whitespaces)
            if !Self.matches(text, pattern) {
                error(key, "InvalidFormat", "\"\(key)\" must be a valid postcode")
            }
        }
    }
}

/// Validation patterns compiled once: `String.range(of:options: .regularExpression)` compiles its pattern on
/// every call, which was the largest cost of offline validation at intake.
final class CompiledPatterns: Sendable {
    static let shared = CompiledPatterns()
    // NSRegularExpression is immutable once built and documented as safe to use from several threads.
    private nonisolated(unsafe) var cache: [String: NSRegularExpression] = [:]
    private let lock = NSLock()

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let regex = cache[pattern] { return regex }
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        cache[pattern] = regex
        return regex
    }
}
