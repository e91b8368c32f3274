import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

@Suite struct ReceiptDeadlineTests {
    func deadline(_ received: String, _ nation: Nation = .england) -> String {
        let seconds = ReceiptDeadline(nation: nation).deadline(receivedAt: ISO8601.parse(received)!)
        return ISO8601.string(seconds)
    }

    @Test func ordinaryWeekIsTheEndOfTheSecondWorkingDayInLondon() {
        // Wednesday 18 Nov 2026 (GMT): Thursday and Friday are the two working days.
        #expect(deadline("2026-11-18T10:00:00Z") == "2026-11-21T00:00:00.000Z")
        // Friday: Monday, Tuesday.
        #expect(deadline("2026-11-20T12:26:24Z") == "2026-11-25T00:00:00.000Z")
        // Saturday counts from Monday.
        #expect(deadline("2026-11-21T09:00:00Z") == "2026-11-25T00:00:00.000Z")
    }

    @Test func easterIsSkippedButScotlandWorksEasterMonday() {
        // Thursday 2 April 2026: Good Friday 3rd and Easter Monday 6th are holidays in England, so the
        // working days are Tuesday 7th and Wednesday 8th (midnight BST = 23:00 UTC).
        #expect(deadline("2026-04-02T09:00:00+01:00") == "2026-04-08T23:00:00.000Z")
        // In Scotland Easter Monday is a working day.
        #expect(deadline("2026-04-02T09:00:00+01:00", .scotland) == "2026-04-07T23:00:00.000Z")
    }

    @Test func christmasOnAWeekendHasSubstituteDays() {
        // Christmas 2027 is a Saturday: Monday 27 and Tuesday 28 are the substitute holidays.
        #expect(deadline("2027-12-24T10:00:00Z") == "2027-12-31T00:00:00.000Z")
        // Christmas 2032 (not in the bundled data) is a Saturday too: the rules decide.
        #expect(deadline("2032-12-24T10:00:00Z") == "2032-12-31T00:00:00.000Z")
    }

    @Test func bstChangesAreHandledInLondonTime() {
        // 23:30 UTC on Friday 27 March 2026 is still Friday in London (BST starts on Sunday 29th); the
        // deadline, end of Tuesday 31st, is then in BST: 23:00 UTC.
        #expect(deadline("2026-03-27T23:30:00Z") == "2026-03-31T23:00:00.000Z")
        // 23:30 UTC on Tuesday 27 Oct 2026 (GMT again) is Tuesday in London.
        #expect(deadline("2026-10-27T23:30:00Z") == "2026-10-30T00:00:00.000Z")
        // 23:30 UTC on Monday 1 June 2026 is 00:30 Tuesday in London (BST).
        #expect(deadline("2026-06-01T23:30:00Z") == "2026-06-04T23:00:00.000Z")
    }

    @Test func northernIrelandHasItsOwnHolidays() {
        // Friday 10 July 2026; Monday 13 July is the Battle of the Boyne substitute in Northern Ireland.
        #expect(deadline("2026-07-10T09:00:00+01:00", .northernIreland) == "2026-07-15T23:00:00.000Z")
        #expect(deadline("2026-07-10T09:00:00+01:00", .england) == "2026-07-14T23:00:00.000Z")
    }

    @Test func bundledDataAgreesWithTheRules() {
        let bundled = BankHolidays.bundled
        for nation in Nation.allCases {
            for year in 2025...2028 {
                #expect(
                    bundled.holidays(nation, year: year)
                        == BankHolidays(publishedJSON: nil).holidays(nation, year: year))
            }
        }
        #expect(BankHolidays.bundled.holidays(.england, year: 2026).contains("2026-12-28"))
    }

    @Test func aSiteFileOverridesTheYearsItHolds() throws {
        let folder = TemporaryFolder()
        let file = folder.sub("bank-holidays.json")
        try Data(
            #"{"england-and-wales": {"division": "england-and-wales", "events": [{"title": "Extra", "date": "2026-11-23"}]}}"#
                .utf8
        ).write(to: URL(fileURLWithPath: file))
        let calendar = BankHolidays.load(siteFile: file)
        #expect(calendar.holidays(.england, year: 2026) == ["2026-11-23"])
        #expect(calendar.holidays(.england, year: 2027).contains("2027-12-28"))
        let deadline = ReceiptDeadline(nation: .england, holidays: calendar)
        #expect(
            ISO8601.string(deadline.deadline(receivedAt: ISO8601.parse("2026-11-20T12:00:00Z")!))
                == "2026-11-26T00:00:00.000Z")
    }

    @Test func statusCountsOverdueAndDueSoon() throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: ["paths.state": folder.sub("state")])
        let store = try MovementStore(path: config.databasePath)
        let intake = MovementIntake(config: config)
        var old = try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "OLD")) as! [String: Any]
        old["dateTimeReceived"] = "2026-11-02T08:00:00Z"
        var new = try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "NEW")) as! [String: Any]
        new["dateTimeReceived"] = "2026-11-10T08:00:00Z"  // due by the end of Thursday 12 November
        _ = try store.ingest([
            try intake.check(JSONSerialization.data(withJSONObject: old), source: .submit, sourceFile: "old.json"),
            try intake.check(JSONSerialization.data(withJSONObject: new), source: .submit, sourceFile: "new.json"),
        ])
        // A fixed "now" (Tuesday 10 November 2026, noon): the test means the same on any day it runs.
        let now = try #require(ISO8601.parse("2026-11-10T12:00:00Z"))
        let facts = try store.statusFacts(now: now, deadlineWarningSeconds: 0)
        #expect(facts.deadlinesOverdue == 1)
        #expect(facts.deadlinesDueSoon == 0)
        let soon = try store.statusFacts(now: now, deadlineWarningSeconds: 10 * 86400)
        #expect(soon.deadlinesDueSoon == 1)
        let report = StatusReport.build(facts: facts, config: config, daemonRunning: true, now: now)
        #expect(report.health == .critical)
        #expect(report.output?.deadlines.overdue == 1)
        #expect(try store.list().contains { MovementSummary($0).deadline == "2026-11-05T00:00:00.000Z" })
    }
}
