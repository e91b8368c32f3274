import DWTRelayTestSupport
import Foundation

@testable import DWTRelayCore

extension ModelWorld {
    // MARK: the verdict

    /// After the service healed and the queue drained: what must be true.
    func check() throws {
        // Once the service is well and the last file is in, nothing should take longer than two of the longest
        // backoffs plus the probe intervals. A wait on the wall clock (a pacing slot booked before the clock
        // stepped back an hour) breaks it.
        let quiet = max(
            history.healAt, history.drops.map(\.at).max() ?? 0, history.crashes.map { $0.at + $0.downFor }.max() ?? 0,
            history.storeFailures.map { $0.at + $0.lasting }.max() ?? 0, history.releases.max() ?? 0)
        let bound = quiet + 2 * history.backoffMax + 300
        if lastSettledAt > bound {
            failures.append(
                "the last movement settled \(Int(lastSettledAt - quiet)) s after the service healed and the last file "
                    + "came (at most \(Int(bound - quiet)) s)")
        }
        let movements = try store.list(limit: 1_000_000).sorted { $0.id! < $1.id! }
        var references: [String: [Movement]] = [:]
        for movement in movements {
            let earlier = references[movement.yourUniqueReference ?? "?", default: []]
            references[movement.yourUniqueReference ?? "?", default: []].append(movement)
            // A revision waits for the movement it revises; one held for an operator holds its revisions too.
            let behindAnOperatorHold = earlier.contains {
                $0.state == .held && $0.holdReason?.waitsForAnOperator == true
            }
            if movement.state == .queued && behindAnOperatorHold { continue }
            if movement.state == .held {
                if movement.holdReason?.waitsForAnOperator != true {
                    failures.append("movement \(movement.id!) still held for \(movement.holdReason?.rawValue ?? "?")")
                }
            } else if !movement.state.isFinal {
                failures.append("movement \(movement.id!) (\(movement.sourceFile ?? "")) still \(movement.state)")
            }
            if movement.state == .accepted {
                guard let id = movement.wasteTrackingId, service.model.records[id] != nil, !movement.notFound else {
                    failures.append(
                        "movement \(movement.id!) accepted with ID \(movement.wasteTrackingId ?? "none") the service does not hold"
                    )
                    continue
                }
            }
        }
        try checkResultFiles(movements)
        for (reference, chain) in references {
            let held = chain.contains { $0.state == .held }
            if (service.model.posts[reference] ?? 0) > 1 && !chain.contains(where: { $0.possibleDuplicate }) && !held {
                failures.append(
                    "\(reference) stored \(service.model.posts[reference]!) times at the service, none flagged")
            }
            // The latest is the last version dropped, whatever order the files were taken in.
            let version = history.drops.filter { $0.reference == reference }.map(\.version).max() ?? -1
            guard let newest = chain.last(where: { versionOfFile[$0.sourceFile ?? ""] == version }) else {
                failures.append("\(reference) v\(version) was dropped but never stored")
                continue
            }
            if newest.state == .superseded {
                failures.append("\(reference) v\(version), the last version dropped, was superseded by an earlier one")
            }
            guard !held, newest.state == .accepted, let id = newest.wasteTrackingId,
                let record = service.model.records[id]
            else { continue }
            if record.reference != reference || record.version != version {
                failures.append(
                    "\(reference): the service holds \(record.reference) v\(record.version) at \(id), not v\(version)")
            }
        }
    }

    /// Every final movement has its result file, saying what the store says (after crashes too: a result
    /// owed when the process died is written at the next start).
    func checkResultFiles(_ movements: [Movement]) throws {
        results.flush()
        for movement in movements where movement.state == .accepted || movement.state == .rejected {
            let path = results.path(for: movement)
            guard let data = FileManager.default.contents(atPath: path),
                let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                failures.append("movement \(movement.id!) is \(movement.state) but \(path) is missing")
                continue
            }
            let said = (object["state"] as? String, object["wasteTrackingId"] as? String, object["id"] as? Int)
            if said.0 != movement.state.rawValue || said.1 != movement.wasteTrackingId
                || said.2.map(Int64.init) != movement.id
            {
                failures.append(
                    "the result file of movement \(movement.id!) says \(said), the store \(movement.state) "
                        + "\(movement.wasteTrackingId ?? "-")")
            }
        }
    }
}
