import DWTRelayTestSupport
import Foundation
import GRDB
import Testing

@testable import DWTRelayCore

/// What the durability promise rests on, checked on the connection that writes.
@Suite struct StoreDurabilityTests {
    /// GRDB's pool puts its writer in WAL with `synchronous = NORMAL` after the configuration's own setup,
    /// which silently undid `FULL`: commits were not fsynced (found by `scripts/power-loss`, which lost
    /// acknowledged movements at a power cut).
    @Test func theWritingConnectionCommitsWithSynchronousFull() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let level = try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2, "synchronous is \(level.map(String.init) ?? "?") (2 is FULL)")
        let mode = try store.pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    /// A state folder the store creates itself is made durable in its parent, and so is the new database
    /// file in the folder (checked by the power-loss test; here, that the folders exist with their modes).
    @Test func aStateFolderCreatedByTheStoreIsPrivate() throws {
        let folder = TemporaryFolder()
        _ = try MovementStore(path: folder.sub("a/b/state/dwt-relay.sqlite"))
        var info = stat()
        #expect(stat(folder.sub("a/b/state"), &info) == 0 && info.st_mode & 0o777 == 0o700)
    }
}
