import Foundation
import GRDB

/// The statements run once or more per movement on intake and delivery. Each must be an index search that
/// stops early: a plan that scans or sorts grows with the store and turns a backlog into a standstill.
/// `HotQueryPlanTests` checks every plan with parameters bound the way the code binds them.
enum HotQueries {
    /// Same file name and content already stored (a crash between commit and delete). `INDEXED BY`
    /// because with a bound `site IS ?` SQLite preferred the (site, state) index and read every row of
    /// the site on each file, which cut intake from thousands of files per second to hundreds at 10,000.
    static let duplicateFile = """
        SELECT id FROM movement INDEXED BY movement_source
        WHERE sourceFile = ? AND contentHash = ? AND site IS ? LIMIT 1
        """

    /// Same content submitted without a file name.
    static let duplicateSubmission = "SELECT id FROM movement WHERE sourceFile IS NULL AND contentHash = ? LIMIT 1"

    /// The latest movement with a reference, which a new one may revise or supersede.
    static let latestForReference = """
        SELECT \(Movement.selectionSQL) FROM movement WHERE yourUniqueReference = ? AND state <> 'superseded'
        AND (apiCode IS ? OR apiCode = ?) ORDER BY id DESC LIMIT 1
        """

    /// Due movements, in the order of the (state, nextAttemptAt) index so the scan stops at LIMIT:
    /// `ORDER BY id` sorted every due row on each claim. New movements still go in arrival order (their
    /// nextAttemptAt is their arrival) and a revision waits for its predecessor whatever the order.
    static let dueCandidates = """
        SELECT id, apiCode, yourUniqueReference, revisionOf FROM movement
        WHERE state = 'queued' AND nextAttemptAt <= ? ORDER BY nextAttemptAt, id LIMIT ?
        """

    /// When the idle sender next has work: run on every idle turn of its loop. Read from the start of the
    /// (state, nextAttemptAt) index, not by reading every queued row; apiCodes paused for an unpaid charge
    /// (a JSON array, usually empty) are stepped over, so one statement serves both cases.
    static let nextDue = """
        SELECT nextAttemptAt FROM movement
        WHERE state = 'queued' AND nextAttemptAt IS NOT NULL
        AND (apiCode IS NULL OR apiCode NOT IN (SELECT value FROM json_each(?)))
        ORDER BY nextAttemptAt LIMIT 1
        """

    /// A set of strings as the JSON array `json_each` reads, in a stable order.
    static func jsonArray(_ values: Set<String>) -> String {
        guard !values.isEmpty else { return "[]" }
        let data = try? JSONSerialization.data(withJSONObject: values.sorted())
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    /// One whole row by id.
    static let movementByID = "SELECT \(Movement.selectionSQL) FROM movement WHERE id = ?"

    /// Run whenever a movement becomes final: a revision waiting for it is due at once, including one
    /// parked without a time behind a movement that was being sent or held. `INDEXED BY` because SQLite
    /// preferred the (state, nextAttemptAt) index, which walks every queued retry.
    static let revisionsDueNow = """
        UPDATE movement INDEXED BY movement_revision SET nextAttemptAt = ?
        WHERE revisionOf = ? AND state = 'queued' AND (nextAttemptAt IS NULL OR nextAttemptAt > ?)
        """

    /// Every statement above with sample arguments, for the plan check.
    static var all: [(name: String, sql: String, arguments: StatementArguments)] {
        [
            ("duplicateFile", duplicateFile, ["a.json", "hash", nil]),
            ("duplicateSubmission", duplicateSubmission, ["hash"]),
            ("latestForReference", latestForReference, ["REF", "code", "code"]),
            ("dueCandidates", dueCandidates, [1e12, 64]),
            ("nextDue", nextDue, ["[]"]),
            ("nextDuePaused", nextDue, [#"["code"]"#]),
            ("movementByID", movementByID, [1]),
            ("revisionsDueNow", revisionsDueNow, [1e12, 1, 1e12]),
        ]
    }
}

extension MovementStore {
    /// SQLite's plan for each per-movement statement (name -> plan lines), with arguments bound as the code
    /// binds them: plans can differ from those of the same SQL with literals.
    public func hotQueryPlans() throws -> [String: [String]] {
        try pool.read { db in
            var plans: [String: [String]] = [:]
            for query in HotQueries.all {
                plans[query.name] = try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments
                )
                .map { $0["detail"] as String? ?? "" }
            }
            return plans
        }
    }
}
