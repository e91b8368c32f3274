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
    /// Last accepted, connection to Defra, service charge: label and value, as the office reads them.
    public var facts: [(label: String, value: String)] = []
    /// With several sites on the PC: each site's name and counts by state.
    public var sites: [(name: String, counts: [String: Int])] = []

    /// `detailed`: with the loads' parties, vehicles and Defra's messages, for a viewer who may read them
    /// (a signed-in office session, the writers' group); without, counts and states only, nothing decrypted.
    public static func build(
        store: MovementStore, config: RelayConfig, day: UKTime.Day, now: Double, daemonRunning: Bool?,
        detailed: Bool = true
    ) throws -> OfficeDay {
        let facts = try store.statusFacts(deadlineWarningSeconds: config.deadlineWarningSeconds)
        let report = StatusReport.build(
            facts: facts, config: config, daemonRunning: daemonRunning, now: now,
            inbox: InboxSnapshot.read(config: config))
        let loads = try store.movements(receivedFrom: day.start, to: day.end).reversed().map { movement in
            Load(
                movement: movement,
                summary: detailed ? (try? store.decrypted(movement)).flatMap { LoadSummary(payload: $0.payload) } : nil)
        }
        var problems = try store.officeProblems(now: now, deadlineWarningSeconds: config.deadlineWarningSeconds)
        // The service's own messages for what it refused, when this process holds the storage key.
        if detailed { problems.rejected = problems.rejected.map { (try? store.decrypted($0)) ?? $0 } }
        var view = OfficeDay(
            day: day, health: report.health, healthLine: report.summaryLine, problemLines: report.problems,
            problems: problems, loads: loads, builtAt: now)
        let state = facts.service
        view.facts.append(
            ("Last reported", UKTime.minute(state.lastAcceptedAt)))
        let signingIn: String
        switch state.auth {
        case .ok: signingIn = "working"
        case .failing: signingIn = "refused: check the credentials"
        case .unknown: signingIn = "not tried yet"
        }
        view.facts.append(("Signing in to Defra", signingIn))
        for (_, value) in state.serviceChargeExpiries.sorted(by: { $0.key < $1.key }) {
            view.facts.append(("Service charge paid until", String(value.prefix(10))))
        }
        if let sites = config.configuredSites {
            let counts = try store.siteCounts()
            view.sites = sites.map { ($0.name, counts[$0.name] ?? [:]) }
        }
        return view
    }
}
