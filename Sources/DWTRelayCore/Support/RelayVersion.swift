/// The product version, printed by `--version` and sent as User-Agent.
public enum RelayVersion {
    public static let current = "0.2.0"
}
