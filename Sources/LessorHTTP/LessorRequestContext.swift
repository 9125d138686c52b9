public import Hummingbird
import LessorCrypto

/// The request context of every Lessor route: Hummingbird's core storage plus a request id that
/// appears in logs, error bodies and (later) audit records.
public struct LessorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = SecureRandom.identifier(byteCount: 12)
    }
}
