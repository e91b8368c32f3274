import ServiceLifecycle

/// A service that describes itself by its type's name alone.
///
/// swift-service-lifecycle logs every service as "\(service)" at debug level ("Starting service"), and a
/// struct's default description prints all its stored properties: the API's bearer token, the writers'
/// token, the office form token and the SMTP password reached the journal that way. Every service of the
/// daemon conforms.
protocol DescribedByName: CustomStringConvertible {}

extension DescribedByName {
    public var description: String { String(describing: Self.self) }
}

extension LocalAPIService: DescribedByName {}
extension InboxService: DescribedByName {}
extension HealthService: DescribedByName {}
extension StopSignalService: DescribedByName {}
extension StopRequestService: DescribedByName {}

/// Named by its work's type alone (`PeriodicService(AlertSender)`): the work holds the SMTP password.
extension PeriodicService: CustomStringConvertible {
    public var description: String { "PeriodicService(\(Work.self))" }
}

extension DeliveryWorker: CustomStringConvertible {
    nonisolated public var description: String { "DeliveryWorker" }
}
