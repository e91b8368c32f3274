/// What one turn of the sender's commit did: the movements whose attempts it recorded (in the order given),
/// the movements it claimed, and, when it claimed none, when the next one falls due.
public struct Settlement: Sendable {
    public var finished: [Movement] = []
    public var claimed: [Delivery] = []
    /// Set when a claim was asked for and nothing was claimed: the earliest retry time of a queued movement
    /// outside the paused apiCodes (wall time), nil when none waits. Read in the claim's transaction, so an
    /// idle turn of the sender costs one transaction, not two.
    public var nextDue: Double?
}
