public import Hummingbird
import LessorCrypto
import Logging

/// The request context of every Lessor route: Hummingbird's core storage plus a request id that
/// appears in logs, error bodies and audit records. Every line logged through `logger` carries
/// the id as `request_id`.
public struct LessorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = SecureRandom.identifier(byteCount: 12)
        logger[metadataKey: "request_id"] = .string(requestID)
    }
}
