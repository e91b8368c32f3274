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
extension RetentionService: DescribedByName {}
extension ReferenceDataService: DescribedByName {}
extension AlertWatcherService: DescribedByName {}
extension AlertSenderService: DescribedByName {}

extension DeliveryWorker: CustomStringConvertible {
    nonisolated public var description: String { "DeliveryWorker" }
}
