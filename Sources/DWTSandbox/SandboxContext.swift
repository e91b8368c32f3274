import Hummingbird
import NIOCore

/// Request context that keeps the connection, so faults can drop it like a failing network would.
public struct SandboxContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Movement bodies up to 4 MiB.
    public var maxUploadSize: Int { 4 << 20 }
}
