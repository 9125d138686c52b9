public import Hummingbird
import LessorCrypto
import Logging
public import NIOCore

/// The request context of every Lessor route: Hummingbird's core storage, a request id that
/// appears in logs, error bodies and audit records (every line logged through `logger` carries it
/// as `request_id`), and the connection it came on (where the TLS handshake left the client
/// certificate, if any).
public struct LessorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = SecureRandom.identifier(byteCount: 12)
        channel = source.channel
        logger[metadataKey: "request_id"] = .string(requestID)
    }
}
