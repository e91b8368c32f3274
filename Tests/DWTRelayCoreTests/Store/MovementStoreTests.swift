import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

@Suite struct MovementStoreTests {
    let folder = TemporaryFolder()
    var store: MovementStore { get throws { try MovementStore(path: folder.sub("state/dwt-relay.sqlite")) } }

    func item(_ data: Data, file: String?, envelope: String? = nil) throws -> IntakeItem {
        var item = try MovementIntake(siteAPICode: nil, maxBytes: 1 << 20).check(
            data, source: .inbox, sourceFile: file)
        if let envelope { item.envelopeWasteTrackingId = envelope }
        return item
    }

    /// The folder the store creates is private; its files are group-readable so that a folder the installer
    /// opens to `dwt-relay-readers` (2750) lets that group read them (see `ReadersGroupTests`).
    @Test func aFolderTheStoreCreatesIsPrivateAndItsFilesGroupReadable() throws {
        _ = try store
        var info = stat()
        stat(folder.sub("state"), &info)
        #expect(info.st_mode & 0o777 == 0o700)
        stat(folder.sub("state/dwt-relay.sqlite"), &info)
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func sameFileNameAndContentIsStoredOnce() throws {
        let store = try store
        let data = try TestFixtures.movement(reference: "T-1")
        let first = try store.ingest([item(data, file: "a.json")])
        let again = try store.ingest([item(data, file: "a.json")])
        #expect(again == [.duplicate(existingId: first[0].id)])
        let otherName = try store.ingest([item(data, file: "b.json")])
        if case .stored = otherName[0] {} else { Issue.record("a different file name is a new file") }
        #expect(try store.counts()[.queued] == 1)
        #expect(try store.counts()[.superseded] == 1)
    }

    @Test func revisionOfUnsentMovementReplacesIt() throws {
        let store = try store
        let first = try store.ingest([item(TestFixtures.movement(reference: "T-2"), file: "v1.json")])[0].id
        let second = try store.ingest([item(TestFixtures.movement(reference: "T-2", siteName: "B"), file: "v2.json")]
        )[0].id
        #expect(try store.movement(first)?.state == .superseded)
        let revision = try #require(try store.movement(second))
        #expect(revision.kind == .post)
        #expect(revision.revisionOf == nil)
    }

    @Test func revisionWaitsForTheEarlierIDThenBecomesAPut() throws {
        let store = try store
        let now = Date().timeIntervalSince1970 + 60  // later than every ingest below
        let first = try store.ingest([item(TestFixtures.movement(reference: "T-3"), file: "v1.json")])[0].id
        let claimed = try store.claimDue(now: now, limit: 10)
        #expect(claimed.map(\.id) == [first])
        let second = try store.ingest([item(TestFixtures.movement(reference: "T-3", siteName: "B"), file: "v2.json")]
        )[0].id
        #expect(try store.claimDue(now: now, limit: 10).isEmpty, "the revision must wait for the POST's answer")
        try store.finish(
            first, outcome: .accepted(wasteTrackingId: "26ABCDEF", warningsJSON: nil, notFound: false), exchange: nil,
            lastError: nil, now: now)
        let put = try store.claimDue(now: now, limit: 10)
        #expect(put.map(\.id) == [second])
        #expect(put.first?.targetWasteTrackingId == "26ABCDEF")
    }

    /// Behind a POST held for an operator, a correction has no retry time: the idle sender neither wakes nor
    /// writes for it (it rechecked every 30 s, a write each time, for as long as the hold lasted). The
    /// original's final outcome makes it due in the same transaction.
    @Test func aRevisionBehindAHoldWaitsWithoutATimeUntilTheOriginalEnds() throws {
        let store = try store
        let now = Date().timeIntervalSince1970 + 60  // later than every ingest below
        let first = try store.ingest([item(TestFixtures.movement(reference: "T-4"), file: "v1.json")])[0].id
        _ = try store.claimDue(now: now, limit: 10)
        try store.finish(
            first, outcome: .held(reason: .inDoubt, inDoubt: true), exchange: nil, lastError: "timed out", now: now)
        let second = try store.ingest([item(TestFixtures.movement(reference: "T-4", siteName: "B"), file: "v2.json")]
        )[0].id
        #expect(try store.claimDue(now: now, limit: 10).isEmpty, "the correction waits for the held original")
        #expect(try store.movement(second)?.nextAttemptAt == nil)
        #expect(try store.nextDueTime() == nil, "nothing to wake the sender for")
        #expect(try store.claimDue(now: now + 3600, limit: 10).isEmpty)

        #expect(try store.release(ids: [first], byOperator: true, now: now) == [first])
        _ = try store.claimDue(now: now + 1, limit: 10)
        #expect(try store.movement(second)?.nextAttemptAt == nil, "the original is being sent again")
        try store.finish(
            first, outcome: .accepted(wasteTrackingId: "26ABCDEG", warningsJSON: nil, notFound: false), exchange: nil,
            lastError: nil, now: now + 2)
        #expect(try store.nextDueTime() == now + 2)
        let put = try store.claimDue(now: now + 2, limit: 10)
        #expect(put.map(\.id) == [second])
        #expect(put.first?.targetWasteTrackingId == "26ABCDEG")
    }

    @Test func envelopeIsAPutToTheGivenID() throws {
        let store = try store
        let id = try store.ingest([item(TestFixtures.movement(reference: nil), file: "e.json", envelope: "26ZZZZZZ")]
        )[0].id
        let claimed = try store.claimDue(now: Date().timeIntervalSince1970 + 60, limit: 1)
        #expect(claimed.first?.id == id)
        #expect(claimed.first?.targetWasteTrackingId == "26ZZZZZZ")
    }

    @Test func interruptedPostIsInDoubtAndFlaggedOrHeld() throws {
        let store = try store
        let now = Date().timeIntervalSince1970 + 60  // later than every ingest below
        let a = try store.ingest([item(TestFixtures.movement(reference: "A"), file: "a.json")])[0].id
        let b = try store.ingest([item(TestFixtures.movement(reference: "B"), file: "b.json")])[0].id
        _ = try store.claimDue(now: now, limit: 1)
        #expect(try store.recoverInterrupted(inDoubt: .resend, now: now) == 1)
        let resent = try #require(try store.movement(a))
        #expect(resent.state == .queued)
        #expect(resent.possibleDuplicate)
        _ = try store.claimDue(now: now, limit: 2)
        #expect(try store.recoverInterrupted(inDoubt: .hold, now: now) == 2)
        #expect(try store.movement(b)?.state == .held)
        #expect(try store.movement(b)?.holdReason == .inDoubt)
        #expect(try store.release(ids: [b], now: now) == [b])
        #expect(try store.movement(b)?.possibleDuplicate == true)
    }

    @Test func countsFollowEveryStateChange() throws {
        let store = try store
        let now = Date().timeIntervalSince1970 + 60  // later than every ingest below
        let items = try (0..<20).map { try item(TestFixtures.movement(reference: "C\($0)"), file: "c\($0).json") }
        _ = try store.ingest(items)
        for delivery in try store.claimDue(now: now, limit: 5) {
            try store.finish(delivery.id, outcome: .rejected(errorsJSON: "[]"), exchange: nil, lastError: "x", now: now)
        }
        let counts = try store.counts()
        #expect(counts[.queued] == 15)
        #expect(counts[.rejected] == 5)
        #expect(counts[.sending] == 0)
    }
}
