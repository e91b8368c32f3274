import CoreMetrics
import Foundation
import Prometheus

/// The daemon's Prometheus metrics, through swift-metrics with an explicit factory (no global bootstrap,
/// so several daemons can live in one test process).
public final class RelayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let retries: CoreMetrics.Counter
    let tokenRefreshes: CoreMetrics.Counter
    let lastSuccess: CoreMetrics.Gauge
    let requestDuration: CoreMetrics.Timer

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.factory = factory
        retries = Counter(label: "dwt_relay_retries_total", factory: factory)
        tokenRefreshes = Counter(label: "dwt_relay_token_refreshes_total", factory: factory)
        lastSuccess = Gauge(label: "dwt_relay_last_success_timestamp_seconds", factory: factory)
        requestDuration = Timer(label: "dwt_relay_request_duration_seconds", factory: factory)
        for state in MovementState.allCases { movementsGauge(state).record(0) }
    }

    func movementsGauge(_ state: MovementState) -> CoreMetrics.Gauge {
        Gauge(label: "dwt_relay_movements", dimensions: [("state", state.rawValue)], factory: factory)
    }

    /// One finished HTTP exchange: status class (`2xx`, `4xx`, `5xx`, `network`) and duration.
    func recordDelivery(status: Int?, durationMs: Double) {
        let statusClass = status.map { "\($0 / 100)xx" } ?? "network"
        Counter(label: "dwt_relay_deliveries_total", dimensions: [("class", statusClass)], factory: factory).increment()
        requestDuration.recordNanoseconds(Int64(durationMs * 1_000_000))
        if let status, status == 200 || status == 201 { lastSuccess.record(Date().timeIntervalSince1970) }
    }

    func recordRetry() { retries.increment() }

    func recordTokenRefresh() { tokenRefreshes.increment() }

    /// Hold reasons always exported (0 when none are held), so a cleared hold reads 0, not a stale value.
    static let holdReasons = HoldReason.allCases.map(\.rawValue)

    /// Prometheus text; queue gauges are refreshed from the store's facts first, and one series per fact
    /// `status` judges by from its report.
    /// `namesSites`: the config lists its sites (`sites:`), so each series names its site. A relay for one
    /// site leaves the label to the Prometheus agent's `external_labels` (`site: north-quarry`): a `site`
    /// label of its own ("default") would win over the agent's and make every such relay of a fleet one site.
    /// `siteFacts` (with `namesSites`): the facts a site is judged by, one series per site under the same
    /// names, so the fleet's rules fire for the site; a relay for one site gives them unlabelled.
    public func render(
        facts: StatusFacts?, report: StatusReport? = nil, sites: [SiteConfig] = [], namesSites: Bool = true,
        siteFacts: [String: SiteFacts]? = nil, now: Double
    ) -> String {
        if let facts {
            for state in MovementState.allCases { movementsGauge(state).record(facts.counts[state] ?? 0) }
            // One family is either labelled or not (the registry refuses a mix): a relay keeps its config.
            func record(_ name: String, relayWide: Double, _ value: (SiteFacts) -> Double) {
                guard namesSites else { return Gauge(label: name, factory: factory).record(relayWide) }
                // Per-site facts that could not be read leave the series out this once, never unlabelled.
                guard let perSite = siteFacts else { return }
                for site in sites {
                    Gauge(label: name, dimensions: [("site", site.name)], factory: factory)
                        .record(value(perSite[site.name] ?? SiteFacts()))
                }
            }
            record("dwt_relay_oldest_pending_age_seconds", relayWide: facts.oldestPendingAt.map { now - $0 } ?? 0) {
                $0.oldestPendingAt.map { now - $0 } ?? 0
            }
            record("dwt_relay_deadlines_overdue", relayWide: Double(facts.deadlinesOverdue)) {
                Double($0.deadlinesOverdue)
            }
            record("dwt_relay_deadlines_due_soon", relayWide: Double(facts.deadlinesDueSoon)) {
                Double($0.deadlinesDueSoon)
            }
            record("dwt_relay_rejections_unacknowledged", relayWide: Double(facts.problems.openRejections)) {
                Double($0.rejectionsUnacknowledged)
            }
            record("dwt_relay_refused_files_unacknowledged", relayWide: Double(facts.problems.openRefusals)) {
                Double($0.refusedFilesUnacknowledged)
            }
            record("dwt_relay_possible_duplicates", relayWide: Double(facts.possibleDuplicates)) {
                Double($0.possibleDuplicates)
            }
            for reason in Set(Self.holdReasons).union(facts.heldByReason.keys) {
                Gauge(label: "dwt_relay_held", dimensions: [("reason", reason)], factory: factory)
                    .record(facts.heldByReason[reason] ?? 0)
            }
        }
        if let facts {
            let state = facts.service
            let flag = { (name: String, on: Bool) in Gauge(label: name, factory: self.factory).record(on ? 1 : 0) }
            flag("dwt_relay_auth_failing", state.auth == .failing)
            flag("dwt_relay_intake_stalled", state.intakeError != nil)
            flag("dwt_relay_database_lost", state.databaseLoss != nil)
            let unpaid = Set(state.unpaidAPICodes)
            for site in sites {
                guard let code = site.apiCode else { continue }
                Gauge(label: "dwt_relay_payment_required", dimensions: [("api_code", code)], factory: factory)
                    .record(unpaid.contains(code) ? 1 : 0)
            }
        }
        // One series per site, so that a fleet's dashboards and rules can name it; no per-movement labels.
        for site in sites {
            Gauge(
                label: "dwt_relay_site_info",
                dimensions: (namesSites ? [("site", site.name)] : [])
                    + [("api_code", site.apiCode ?? ""), ("nation", site.nation.rawValue)], factory: factory
            ).record(1)
        }
        if let report {
            Gauge(label: "dwt_relay_health", factory: factory).record(Int(report.health.exitCode))
            if let waitingSince = report.output?.inbox.oldestWaitingAt.flatMap(ISO8601.parse) {
                Gauge(label: "dwt_relay_inbox_oldest_waiting_age_seconds", factory: factory)
                    .record(max(0, now - waitingSince))
            } else {
                Gauge(label: "dwt_relay_inbox_oldest_waiting_age_seconds", factory: factory).record(0)
            }
            for (site, entry) in report.output?.sites ?? [:] {
                for (state, count) in entry.counts {
                    Gauge(
                        label: "dwt_relay_site_movements", dimensions: [("site", site), ("state", state)],
                        factory: factory
                    ).record(count)
                }
            }
            for (code, value) in report.output?.serviceChargeExpiry ?? [:] {
                guard let expiry = ISO8601.parse(value) else { continue }
                Gauge(
                    label: "dwt_relay_service_charge_expiry_timestamp_seconds", dimensions: [("api_code", code)],
                    factory: factory
                )
                .record(expiry)
            }
        }
        Gauge(label: "dwt_relay_build_info", dimensions: [("version", RelayVersion.current)], factory: factory)
            .record(1)
        return Self.withHelp(registry.emitToString())
    }

    /// What each series means, for the `# HELP` lines Prometheus and `promtool check metrics` expect
    /// (swift-metrics' factory registers every metric with empty help text).
    static let help: [String: String] = [
        "dwt_relay_movements": "Movements in the store by state.",
        "dwt_relay_deliveries_total": "HTTP exchanges with the DWT API by status class (2xx, 4xx, 5xx, network).",
        "dwt_relay_retries_total": "Delivery attempts that ended in a retry.",
        "dwt_relay_token_refreshes_total": "OAuth tokens fetched from the token endpoint.",
        "dwt_relay_last_success_timestamp_seconds": "When the service last accepted a movement (Unix time).",
        "dwt_relay_request_duration_seconds": "Duration of HTTP exchanges with the DWT API.",
        "dwt_relay_oldest_pending_age_seconds": "Age of the oldest movement not yet delivered.",
        "dwt_relay_deadlines_overdue": "Movements past their legal receipt deadline and not recorded.",
        "dwt_relay_rejections_unacknowledged": "Rejected movements not yet corrected or acknowledged.",
        "dwt_relay_refused_files_unacknowledged": "Files refused into failed/ not yet corrected or acknowledged.",
        "dwt_relay_deadlines_due_soon":
            "Movements not yet recorded whose deadline is within status.deadline_warning_hours.",
        "dwt_relay_possible_duplicates": "Movements flagged possibleDuplicate (to reconcile with Defra).",
        "dwt_relay_held": "Movements held, by reason.",
        "dwt_relay_health": "What dwt-relay status says: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        "dwt_relay_service_charge_expiry_timestamp_seconds":
            "When the DWT service charge of an apiCode expires (Unix time; alert on it minus time()).",
        "dwt_relay_build_info": "The running dwt-relay version (always 1).",
        "dwt_relay_auth_failing": "1 while the token endpoint refuses the credentials.",
        "dwt_relay_intake_stalled": "1 while files cannot be taken from the inbox (full disk, read-only database).",
        "dwt_relay_database_lost": "1 from a start that found its database lost until an operator acknowledges it.",
        "dwt_relay_payment_required": "1 while the DWT service charge of an apiCode is unpaid (402).",
        "dwt_relay_site_info": "One series per site this relay reports for (always 1): its name, apiCode and nation.",
        "dwt_relay_inbox_oldest_waiting_age_seconds": "Age of the oldest file waiting in the inbox (0 when none).",
        "dwt_relay_site_movements": "Movements by site and state, where a relay reports for several sites.",
    ]

    /// Puts a `# HELP` line before each `# TYPE` line that has none.
    static func withHelp(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first,
                lines.last?.hasPrefix("# HELP \(name) ") != true, let help = help[String(name)]
            {
                lines.append(Substring("# HELP \(name) \(help)"))
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
