import Foundation
public import Hummingbird
public import LessorCore
public import LessorIdentity
import Logging

/// `POST /v1/whoami`: who the bearer token says the caller is, once verified.
public struct IdentityController: Sendable {
    let verifier: TokenVerifier
    let policies: PolicyBundleStore?

    public init(verifier: TokenVerifier, policies: PolicyBundleStore?) {
        self.verifier = verifier
        self.policies = policies
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
        let binding = policies.map { BindingBody($0.current.bind(identity)) }
        return try JSONCoding.response(WhoAmIBody(identity, binding: binding, requestID: context.requestID))
    }
}

struct WhoAmIBody: Encodable {
    struct Kubernetes: Encodable {
        let namespace: String
        let serviceAccount: KubernetesIdentity.ObjectReference
        let pod: KubernetesIdentity.ObjectReference?
        let node: KubernetesIdentity.ObjectReference?
    }

    let issuer: String
    let subject: String
    let audiences: [String]
    let expiresAt: Date
    let issuedAt: Date?
    let kid: String?
    let algorithm: String
    let kubernetes: Kubernetes?
    let binding: BindingBody?
    let requestID: String

    init(_ identity: VerifiedIdentity, binding: BindingBody?, requestID: String) {
        self.binding = binding
        issuer = identity.issuer
        subject = identity.subject
        audiences = identity.audiences
        expiresAt = identity.expiresAt
        issuedAt = identity.issuedAt
        kid = identity.keyID
        algorithm = identity.algorithm
        kubernetes = identity.kubernetes.map {
            Kubernetes(namespace: $0.namespace, serviceAccount: $0.serviceAccount, pod: $0.pod, node: $0.node)
        }
        self.requestID = requestID
    }
}

/// Which binding and tenant the identity acts for, or why none.
struct BindingBody: Encodable {
    let name: String?
    let tenant: String?
    let tenantClass: String?
    let globalRole: String?
    let reason: String?

    init(_ binding: PolicyBundle.Binding) {
        switch binding {
        case .tenant(let binding, let tenant, let tenantClass):
            (name, self.tenant, self.tenantClass, globalRole, reason) = (
                binding.name, tenant.id, tenantClass.name, nil, nil
            )
        case .global(let binding, let role):
            (name, tenant, tenantClass, globalRole, reason) = (binding.name, nil, nil, role.rawValue, nil)
        case .none(let why, let binding):
            (name, tenant, tenantClass, globalRole, reason) = (binding, nil, nil, nil, why)
        }
    }
}
