import Foundation

/// The output model of one movement, read from the store: built here, so that the store knows nothing of
/// what `show`, the local API and the office page print.
extension MovementStore {
    /// A movement for `show` and the local API: unsealed here, so no caller decrypts. Without the storage
    /// key (the readers' group) the sealed parts are left out and `sealed` says so; a wrong key is an error.
    public func detail(_ id: Int64, withEvents: Bool = true) throws -> MovementDetail? {
        guard let stored = try movement(id) else { return nil }
        return try detail(of: stored, withEvents: withEvents)
    }

    public func detail(of stored: Movement, withEvents: Bool = true) throws -> MovementDetail {
        let events = withEvents ? try self.events(stored.id ?? 0).map(EventSummary.init) : []
        var detail = MovementDetail(summary: MovementSummary(stored), events: events)
        do {
            let unsealed = try decrypted(stored)
            detail.payload = JSONValue(parsing: unsealed.payload) ?? .null
            detail.warnings = JSONValue(storedArray: unsealed.warnings)
            detail.errors = JSONValue(storedArray: unsealed.errors)
        } catch StoreError.keyMissing {
            detail.sealed = MovementDetail.sealedNote
        }
        return detail
    }
}
