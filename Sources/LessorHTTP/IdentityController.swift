import Foundation
public import Hummingbird
import LessorCore
public import LessorIdentity
import Logging

/// `POST /v1/whoami`: who the bearer token says the caller is, once verified.
public struct IdentityController: Sendable {
    let verifier: TokenVerifier

    public init(verifier: TokenVerifier) {
        self.verifier = verifier
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.post("v1/whoami", use: whoami)
    }

    @Sendable func whoami(request: Request, context: LessorRequestContext) async throws -> Response {
        let identity: VerifiedIdentity
        do {
            identity = try await verifier.verify(try BearerToken.from(request))
        } catch {
            context.logger.info(
                "whoami refused", metadata: ["request_id": "\(context.requestID)", "code": "\(error.code)"])
            throw APIError(error, requestID: context.requestID)
        }
        return try JSONCoding.response(WhoAmIBody(identity, requestID: context.requestID))
    }
}

struct WhoAmIBody: Encodable {
    struct Kubernetes: Encodable {
        let namespace: String
        let serviceAccount: KubernetesIdentity.ObjectReference
        let pod: KubernetesIdentity.ObjectReference?
        let node: KubernetesIdentity.ObjectReference?
        enum CodingKeys: String, CodingKey {
            case namespace, pod, node
            case serviceAccount = "service_account"
        }
    }

    let issuer: String
    let subject: String
    let audiences: [String]
    let expiresAt: Date
    let issuedAt: Date?
    let keyID: String?
    let algorithm: String
    let kubernetes: Kubernetes?
    let requestID: String

    enum CodingKeys: String, CodingKey {
        case issuer, subject, audiences, algorithm, kubernetes
        case expiresAt = "expires_at"
        case issuedAt = "issued_at"
        case keyID = "kid"
        case requestID = "request_id"
    }

    init(_ identity: VerifiedIdentity, requestID: String) {
        issuer = identity.issuer
        subject = identity.subject
        audiences = identity.audiences
        expiresAt = identity.expiresAt
        issuedAt = identity.issuedAt
        keyID = identity.keyID
        algorithm = identity.algorithm
        kubernetes = identity.kubernetes.map {
            Kubernetes(namespace: $0.namespace, serviceAccount: $0.serviceAccount, pod: $0.pod, node: $0.node)
        }
        self.requestID = requestID
    }
}
