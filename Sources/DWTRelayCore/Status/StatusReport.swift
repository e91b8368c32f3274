import Foundation

/// The health summary behind `status`, `/v1/status` and the systemd STATUS line.
///
/// Exit codes follow the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
public struct StatusReport {
    public enum Health: String, Sendable, Comparable {
        case ok = "OK", warning = "WARNING", critical = "CRITICAL", unknown = "UNKNOWN"

        public var exitCode: Int32 {
            switch self {
            case .ok: 0
            case .warning: 1
            case .critical: 2
            case .unknown: 3
            }
        }

        private var rank: Int { Int(exitCode == 3 ? 1 : exitCode * 2) }
        public static func < (a: Health, b: Health) -> Bool { a.rank < b.rank }
    }

    public var health: Health = .ok
    public var problems: [String] = []
    /// What `status --json` and `/v1/status` give; built with the report, kept in step by `raise`.
    public var output: StatusOutput?

    public mutating func raise(_ level: Health, _ problem: String) {
        if level > health { health = level }
        problems.append("\(level.rawValue): \(problem)")
        output?.health = health.rawValue
        output?.problems = problems
    }

    /// Builds the report from the store's facts. `daemonRunning` is nil when it cannot be told.
    public static func build(
        facts: StatusFacts, config: RelayConfig, daemonRunning: Bool?, now: Double, inbox: InboxSnapshot? = nil
    ) -> StatusReport {
        var report = StatusReport()
        let state = facts.service
        let counts = Dictionary(
            uniqueKeysWithValues: MovementState.allCases.map { ($0.rawValue, facts.counts[$0] ?? 0) })
        let pending = facts.pending
        let heartbeat = state.daemonHeartbeat

        switch daemonRunning {
        case false?:
            report.raise(.critical, "daemon is not running: movements are stored but nothing is delivered")
        case true?:
            if let heartbeat, now - heartbeat > 180 {
                report.raise(.critical, "daemon is running but has made no progress for \(Int(now - heartbeat)) s")
            }
        case nil:
            report.raise(.unknown, "cannot tell whether the daemon is running")
        }
        if let loss = state.databaseLoss {
            let lost =
                loss.pendingWhenLastSeen.map { "\($0) load(s) were waiting to be delivered when it was last seen" }
                ?? "how many loads it still held is not known"
            report.raise(
                .critical,
                "the database was lost and a new, empty one was started on \(UKTime.minute(loss.noticedAt)) (\(lost), "
                    + "\(UKTime.minute(loss.lastSeenAt))): restore it from a backup if there is one, or drop those "
                    + "loads again from the weighbridge's copies or paths.archive; then run dwt-relay ack --database-loss"
            )
        }
        if state.auth == .failing {
            report.raise(
                .critical,
                "the token endpoint refuses the credentials (\(state.authDetail ?? "?")): check api.client_id and the client secret; the queue is kept"
            )
        }
        if let oldest = facts.oldestPendingAt {
            let age = now - oldest
            if age > config.pendingCriticalSeconds {
                report.raise(.critical, "oldest pending movement is \(Self.age(age)) old")
            } else if age > config.pendingWarningSeconds {
                report.raise(.warning, "oldest pending movement is \(Self.age(age)) old")
            }
        }
        let charges = state.serviceChargeExpiries
        for (code, value) in charges.sorted(by: { $0.key < $1.key }) {
            if let expiry = ISO8601.parse(value), expiry - now < 30 * 86400 {
                report.raise(
                    .warning, "service charge for apiCode \(code) expires on \(value): renew it on the DWT website")
            }
        }
        let paymentRequired = state.unpaidAPICodes
        for code in paymentRequired {
            report.raise(
                .critical,
                "the organisation's DWT service charge is unpaid (apiCode \(code)): pay it on the DWT website; movements are held, not lost"
            )
        }
        if state.circuit == .open {
            report.raise(.warning, "the DWT service is failing; deliveries paused until a probe succeeds")
        }
        // A reason this version does not know (a newer daemon's, or none) is shown too: someone must look.
        for (reason, count) in facts.heldByReason.sorted(by: { $0.key < $1.key })
        where HoldReason(rawValue: reason)?.waitsForAnOperator ?? true {
            report.raise(
                .warning,
                "\(count) movement(s) held (\(reason)): see `dwt-relay list --state held`, then `dwt-relay retry`")
        }
        if facts.possibleDuplicates > 0 {
            report.raise(
                .warning,
                "\(facts.possibleDuplicates) possible duplicate(s) at the service: see `dwt-relay list --possible-duplicates`"
            )
        }
        let problems = facts.problems
        if problems.openRejections > 0 {
            report.raise(
                .warning,
                "\(problems.openRejections) load(s) rejected by the service and not yet reported: correct the file "
                    + "and drop it again (same yourUniqueReference), or `dwt-relay ack ID` once dealt with; "
                    + "see `dwt-relay list --state rejected`")
        }
        if problems.openRefusals > 0 {
            // A CSV row's reason names its row already.
            let example =
                problems.oldestOpenRefusal.map { refusal in
                    let source = refusal.csvRow.map { "\($0.file), " } ?? refusal.sourceFile + ": "
                    return " (e.g. \(source)\(refusal.reason))"
                } ?? ""
            report.raise(
                problems.refusalsOverdue > 0 ? .critical : .warning,
                "\(problems.openRefusals) file(s) refused into failed/ and not yet reported\(example): fix and drop "
                    + "again under the same name, or `dwt-relay ack F<id>`; see `dwt-relay list --state failed`"
                    + (problems.refusalsOverdue > 0 ? "; \(problems.refusalsOverdue) past the legal deadline" : ""))
        }
        if facts.deadlinesOverdue > 0 {
            report.raise(
                .critical,
                "\(facts.deadlinesOverdue) movement(s) past the legal deadline (end of the second working day) and not recorded"
            )
        }
        if facts.deadlinesDueSoon > 0 {
            report.raise(
                .warning,
                "\(facts.deadlinesDueSoon) movement(s) not yet recorded are due within \(Int(config.deadlineWarningSeconds / 3600)) h"
            )
        }
        if daemonRunning == true, let inbox, let oldest = inbox.oldestModifiedAt,
            now - oldest > config.inboxStallSeconds
        {
            report.raise(
                .critical,
                "intake stalled: \(inbox.waiting) file(s) waiting in the inbox for \(Self.age(now - oldest)) (disk full? database read-only? see the log)"
            )
        }
        if let intakeError = state.intakeError {
            report.raise(.critical, "intake cannot store movements: \(intakeError); files stay in the inbox")
        }
        if daemonRunning == true, let listenError = state.httpError {
            report.raise(
                .warning,
                "local API not available (http.listen): \(listenError); files in the inbox are still taken and "
                    + "delivered; the daemon retries the address")
        }

        report.output = StatusOutput(
            health: report.health.rawValue, problems: report.problems,
            daemon: .init(
                running: daemonRunning, pid: state.daemonPID,
                startedAt: state.daemonStartedAt.map(ISO8601.string),
                lastHeartbeatAt: heartbeat.map(ISO8601.string)),
            counts: counts, pending: pending, oldestPendingAt: facts.oldestPendingAt.map(ISO8601.string),
            oldestPendingAgeSeconds: facts.oldestPendingAt.map { Int(now - $0) },
            lastAcceptedAt: state.lastAcceptedAt.map(ISO8601.string),
            lastError: state.lastError,
            auth: .init(
                state: state.auth, detail: state.authDetail,
                tokenExpiresAt: state.tokenExpiresAt.map(ISO8601.string)),
            circuit: .init(
                state: state.circuit,
                until: state.circuitUntil.map(ISO8601.string)),
            serviceChargeExpiry: charges, paymentRequired: paymentRequired, held: facts.heldByReason,
            possibleDuplicates: facts.possibleDuplicates,
            inbox: .init(waiting: inbox?.waiting, oldestWaitingAt: inbox?.oldestModifiedAt.map(ISO8601.string)),
            deadlines: .init(dueSoon: facts.deadlinesDueSoon, overdue: facts.deadlinesOverdue),
            unreported: .init(
                rejected: problems.openRejections, refused: problems.openRefusals,
                refusedOverdue: problems.refusalsOverdue))
        return report
    }

    /// One line for `systemctl status` and the first line of `status`.
    public var summaryLine: String {
        var parts: [String] = []
        if let output {
            parts = [
                "\(output.count(.queued)) queued", "\(output.count(.held)) held", "\(output.count(.accepted)) accepted",
            ]
            if output.count(.rejected) > 0 { parts.append("\(output.count(.rejected)) rejected") }
            let open = output.unreported.rejected + output.unreported.refused
            if open > 0 { parts.append("\(open) unreported") }
            if output.unreported.refused > 0 { parts.append("\(output.unreported.refused) refused files") }
            if let last = output.lastAcceptedAt { parts.append("last accepted \(last)") }
        }
        return "\(health.rawValue): " + parts.joined(separator: ", ")
    }

    /// Monitoring-plugin performance data (`label=value[UOM]`, space-separated), for the text after `|`
    /// on the first line of `status`.
    public var perfdata: String {
        guard let output else { return "" }
        var fields = MovementState.allCases.map { "\($0.rawValue)=\(output.count($0))" }
        fields += [
            "unreported_rejected=\(output.unreported.rejected)", "refused=\(output.unreported.refused)",
            "oldest_pending=\(output.oldestPendingAgeSeconds ?? 0)s",
            "due_soon=\(output.deadlines.dueSoon)", "overdue=\(output.deadlines.overdue)",
            "possible_duplicates=\(output.possibleDuplicates)",
        ]
        return fields.joined(separator: " ")
    }

    static func age(_ seconds: Double) -> String {
        if seconds < 120 { return "\(Int(seconds)) s" }
        if seconds < 7200 { return "\(Int(seconds / 60)) min" }
        if seconds < 172_800 { return "\(Int(seconds / 3600)) h" }
        return "\(Int(seconds / 86400)) days"
    }
}
