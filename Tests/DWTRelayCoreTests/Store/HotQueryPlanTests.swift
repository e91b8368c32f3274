import DWTRelayCore
import DWTRelayTestSupport
import Testing

/// The statements run for every movement must stay index searches that stop early. A plan that scans the
/// table or sorts every due row costs nothing with ten rows and everything with a million: intake fell to
/// a few hundred files per second at 10,000 stored movements before `duplicateFile` named its index.
@Suite struct HotQueryPlanTests {
    @Test func perMovementStatementsSearchAnIndexWithoutScanningOrSorting() throws {
        let folder = TemporaryFolder()
        let store = try MovementStore(path: folder.sub("state/dwt-relay.sqlite"))
        let plans = try store.hotQueryPlans()
        #expect(plans.count == 8)
        for (name, lines) in plans {
            let plan = lines.joined(separator: " | ")
            // Besides index searches, only the bound JSON array of paused apiCodes is read whole (once).
            let searchesOnly = lines.allSatisfy {
                $0.hasPrefix("SEARCH") || $0.hasPrefix("LIST SUBQUERY") || $0.hasPrefix("SCAN json_each")
            }
            #expect(searchesOnly, "\(name) must only search: \(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(name) must not sort: \(plan)")
            #expect(!plan.contains("movement_site_state"), "\(name) must not walk a whole site: \(plan)")
        }
        #expect(plans["duplicateFile"]?.first?.contains("movement_source") == true)
        #expect(plans["dueCandidates"]?.first?.contains("movement_state_next") == true)
        #expect(plans["nextDue"]?.first?.contains("movement_state_next") == true)
        #expect(plans["nextDuePaused"]?.first?.contains("movement_state_next") == true)
        #expect(plans["revisionsDueNow"]?.first?.contains("movement_revision") == true)
    }
}
