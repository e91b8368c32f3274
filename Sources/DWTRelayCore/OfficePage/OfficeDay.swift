import Foundation

/// What the office sees for one UK day: the health line, the problems (of any day) and the day's loads.
/// Built from the store for the page at `/` and for `dwt-relay today`.
public struct OfficeDay: Sendable {
    public struct Load: Sendable {
        public var movement: Movement
        /// Nil when the payload is sealed and this process has no storage key.
        public var summary: LoadSummary?
    }

    public var day: UKTime.Day
    public var health: StatusReport.Health
    public var healthLine: String
    public var problemLines: [String]
    public var problems: OfficeProblems
    public var loads: [Load]
    public var builtAt: Double

    public static func build(
        store: MovementStore, config: RelayConfig, day: UKTime.Day, now: Double, daemonRunning: Bool?
    ) throws -> OfficeDay {
        let facts = try store.statusFacts(deadlineWarningSeconds: config.deadlineWarningSeconds)
        let report = StatusReport.build(
            facts: facts, config: config, daemonRunning: daemonRunning, now: now,
            inbox: InboxSnapshot.read(config: config))
        let loads = try store.movements(receivedFrom: day.start, to: day.end).reversed().map { movement in
            Load(
                movement: movement,
                summary: (try? store.decrypted(movement)).flatMap { LoadSummary(payload: $0.payload) })
        }
        var problems = try store.officeProblems(now: now, deadlineWarningSeconds: config.deadlineWarningSeconds)
        // The service's own messages for what it refused, when this process holds the storage key.
        problems.rejected = problems.rejected.map { (try? store.decrypted($0)) ?? $0 }
        return OfficeDay(
            day: day, health: report.health, healthLine: report.summaryLine, problemLines: report.problems,
            problems: problems, loads: loads, builtAt: now)
    }
}
