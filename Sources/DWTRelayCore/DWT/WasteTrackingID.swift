/// The service's movement identifier: two-digit year then six upper-case letters or digits (e.g. `26HRA0B2`).
public struct WasteTrackingID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init?(_ value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count == 8 else { return nil }
        for (index, byte) in bytes.enumerated() {
            let digit = byte >= 0x30 && byte <= 0x39
            let upper = byte >= 0x41 && byte <= 0x5A
            if index < 2 ? !digit : !(digit || upper) { return nil }
        }
        self.value = value
    }

    public var description: String { value }
}
