import Foundation
import Synchronization

/// Makes the `MovementIntake` of every door (each site's inbox, the local API, `submit`) from the config and
/// the reference lists the daemon holds now. Before, the inbox read the lists once at start-up and the local
/// API and `submit` used the bundled copy, so one body could get three verdicts and a daily refresh reached
/// nobody until a restart; now a refresh reaches the next file, request and `submit` alike.
public final class IntakeFactory: Sendable {
    let config: RelayConfig
    private struct Current {
        var reference: ReferenceData
        /// Per site name: an intake reads the site's defaults, mapping and holidays files once.
        var intakes: [String: MovementIntake] = [:]
    }

    private let current: Mutex<Current>

    /// With the store's cached lists when it has them, else the bundled copy (`ReferenceDataSource`).
    public convenience init(config: RelayConfig, store: MovementStore?) {
        self.init(config: config, reference: ReferenceDataSource.current(store: store).data)
    }

    public init(config: RelayConfig, reference: ReferenceData) {
        self.config = config
        current = Mutex(Current(reference: reference))
    }

    /// The intake for `site` (the first site when nil), checking with the current lists.
    public func intake(for site: SiteConfig? = nil) -> MovementIntake {
        let site = site ?? config.sites[0]
        return current.withLock { current in
            if let made = current.intakes[site.name] { return made }
            var intake = MovementIntake(config: config, site: site)
            intake.validator = MovementValidator(reference: current.reference)
            current.intakes[site.name] = intake
            return intake
        }
    }

    /// The lists in use from now on (after the service's daily refresh).
    public func use(_ reference: ReferenceData) {
        current.withLock { $0 = Current(reference: reference) }
    }
}
