import Foundation

/// What the office knows a load by, read from its payload: vehicle, carrier, EWC codes and weight.
public struct LoadSummary: Sendable, Equatable {
    public var vehicleRegistration: String?
    public var carrier: String?
    /// As people write them: `20 01 21`.
    public var ewcCodes: [String] = []
    /// Per unit, e.g. `0.75 t`, summed over the waste items.
    public var weight: String?

    /// Nil when the payload is sealed (no storage key) or not an object.
    public init?(payload: Data) {
        guard let body = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] else { return nil }
        let carrier = body["carrier"] as? [String: Any]
        vehicleRegistration = carrier?["vehicleRegistration"] as? String
        self.carrier = carrier?["organisationName"] as? String
        let items = body["wasteItems"] as? [[String: Any]] ?? []
        var seen: Set<String> = []
        for code in items.flatMap({ $0["ewcCodes"] as? [String] ?? [] }) where seen.insert(code).inserted {
            ewcCodes.append(Self.spaced(code))
        }
        var totals: [(unit: String, amount: Double)] = []
        for item in items {
            guard let weight = item["weight"] as? [String: Any],
                let amount = (weight["amount"] as? NSNumber)?.doubleValue,
                let metric = weight["metric"] as? String
            else { continue }
            let unit = Self.units[metric] ?? metric
            if let index = totals.firstIndex(where: { $0.unit == unit }) {
                totals[index].amount += amount
            } else {
                totals.append((unit, amount))
            }
        }
        weight =
            totals.isEmpty
            ? nil : totals.map { "\(Self.number($0.amount)) \($0.unit)" }.joined(separator: " + ")
    }

    static let units = ["Tonnes": "t", "Kilograms": "kg", "Grams": "g"]

    /// `200121` as `20 01 21`; anything else as it came.
    static func spaced(_ code: String) -> String {
        guard code.count == 6, code.allSatisfy(\.isNumber) else { return code }
        let digits = Array(code)
        return "\(String(digits[0...1])) \(String(digits[2...3])) \(String(digits[4...5]))"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded()
            ? String(Int(value))
            : String(format: "%.3f", value).replacingOccurrences(
                of: "0+$", with: "", options: .regularExpression)
    }
}
