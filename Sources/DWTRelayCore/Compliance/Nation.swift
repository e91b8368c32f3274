/// The UK nation whose bank holidays decide a site's working days.
public enum Nation: String, Sendable, CaseIterable {
    case england = "England"
    case wales = "Wales"
    case scotland = "Scotland"
    case northernIreland = "NorthernIreland"

    /// The division name in gov.uk's bank-holidays.json.
    public var division: String {
        switch self {
        case .england, .wales: "england-and-wales"
        case .scotland: "scotland"
        case .northernIreland: "northern-ireland"
        }
    }
}
