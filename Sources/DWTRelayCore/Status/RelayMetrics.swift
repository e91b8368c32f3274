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
    let oldestPendingAge: CoreMetrics.Gauge
    let deadlinesOverdue: CoreMetrics.Gauge
    let unreportedRejections: CoreMetrics.Gauge
    let unreportedRefusals: CoreMetrics.Gauge

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
        oldestPendingAge = Gauge(label: "dwt_relay_oldest_pending_age_seconds", factory: factory)
        deadlinesOverdue = Gauge(label: "dwt_relay_deadlines_overdue", factory: factory)
        unreportedRejections = Gauge(label: "dwt_relay_rejections_unacknowledged", factory: factory)
        unreportedRefusals = Gauge(label: "dwt_relay_refused_files_unacknowledged", factory: factory)
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

    /// Prometheus text; queue gauges are refreshed from the store's facts first.
    public func render(facts: StatusFacts?, now: Double) -> String {
        if let facts {
            for state in MovementState.allCases { movementsGauge(state).record(facts.counts[state] ?? 0) }
            oldestPendingAge.record(facts.oldestPendingAt.map { now - $0 } ?? 0)
            deadlinesOverdue.record(facts.deadlinesOverdue)
            unreportedRejections.record(facts.problems.openRejections)
            unreportedRefusals.record(facts.problems.openRefusals)
        }
        return registry.emitToString()
    }
}
