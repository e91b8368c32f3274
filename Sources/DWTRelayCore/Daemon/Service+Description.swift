import ServiceLifecycle

// swift-service-lifecycle logs every service as "\(service)" at debug level ("Starting service"), and a
// struct's default description prints all its stored properties: the API's bearer token, the writers'
// token, the office form token and the SMTP password reached the journal that way. Each service of the
// daemon therefore describes itself by its name alone.

extension LocalAPIService: CustomStringConvertible {
    var description: String { "LocalAPIService" }
}

extension InboxService: CustomStringConvertible {
    public var description: String { "InboxService" }
}

extension HealthService: CustomStringConvertible {
    public var description: String { "HealthService" }
}

extension StopSignalService: CustomStringConvertible {
    var description: String { "StopSignalService" }
}

extension StopRequestService: CustomStringConvertible {
    var description: String { "StopRequestService" }
}

extension RetentionService: CustomStringConvertible {
    public var description: String { "RetentionService" }
}

extension ReferenceDataService: CustomStringConvertible {
    public var description: String { "ReferenceDataService" }
}

extension AlertWatcherService: CustomStringConvertible {
    public var description: String { "AlertWatcherService" }
}

extension AlertSenderService: CustomStringConvertible {
    public var description: String { "AlertSenderService" }
}

extension DeliveryWorker: CustomStringConvertible {
    nonisolated public var description: String { "DeliveryWorker" }
}
