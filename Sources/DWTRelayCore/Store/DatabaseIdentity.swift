import Foundation

/// Notices a lost database. Each database gets an id (a service fact); the daemon keeps it, with the
/// number of loads not yet delivered, in a small marker beside the database and another in the results
/// folder (so deleting the state folder leaves one). A start that has to create a new, empty database
/// where a marker names another one has lost those loads: it says so as a CRITICAL problem, with how many
/// were pending when the marker was last written, until an operator acknowledges it
/// (`dwt-relay ack --database-loss`). A restored backup is an existing file: not a loss.
public struct DatabaseIdentity: Sendable {
    static let fileName = ".dwt-relay-database-id"

    /// What a marker holds.
    struct Marker: Codable, Equatable {
        var id: String
        var pending: Int?
        var at: Double
    }

    /// What `status` says about a loss (a service fact, JSON).
    public struct Loss: Codable, Sendable, Equatable {
        public var previousID: String
        public var pendingWhenLastSeen: Int?
        public var lastSeenAt: Double
        public var noticedAt: Double
    }

    let markers: [String]

    public init(config: RelayConfig) {
        markers = [config.stateDirectory + "/" + Self.fileName, config.results + "/" + Self.fileName]
    }

    /// At start, once the store is open: gives the database its id, records a loss if one is found, and
    /// writes the markers. `fresh`: the database file did not exist before this start.
    @discardableResult
    public func check(store: MovementStore, fresh: Bool, now: Double) throws -> Loss? {
        let status = ServiceStatusStore(store: store)
        var id = try status.value(ServiceStateKey.databaseID)
        if id == nil {
            id = UUID().uuidString.lowercased()
            try status.set(ServiceStateKey.databaseID, id)
        }
        let known = markers.compactMap(Self.read).max { $0.at < $1.at }
        var loss: Loss?
        if fresh, let known, known.id != id {
            loss = Loss(
                previousID: known.id, pendingWhenLastSeen: known.pending, lastSeenAt: known.at, noticedAt: now)
            try status.set(ServiceStateKey.databaseLoss, JSONText.encode(loss!, pretty: false))
        }
        try record(id: id!, pending: try store.statusFacts().pending, now: now)
        return loss
    }

    /// Writes the markers (the heartbeat calls it again with the current number of loads pending).
    public func record(id: String, pending: Int, now: Double) throws {
        let data = Data(JSONText.encode(Marker(id: id, pending: pending, at: now), pretty: false).utf8)
        for path in markers {
            try? FileSystem.writeAtomically(data, to: path, mode: 0o640)
        }
    }

    static func read(_ path: String) -> Marker? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Marker.self, from: data)
    }

}
