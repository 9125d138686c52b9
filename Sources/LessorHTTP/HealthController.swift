import Foundation
public import Hummingbird
public import LessorCore
public import LessorIdentity

/// `GET /v1/health` (the process answers) and `GET /v1/ready` (it can do its work: every issuer's
/// keys are being served).
public struct HealthController: Sendable {
    let verifier: TokenVerifier
    let policies: PolicyBundleStore?
    let checks: [BrokerRoutes.Check]

    public init(verifier: TokenVerifier, policies: PolicyBundleStore?, checks: [BrokerRoutes.Check] = []) {
        self.verifier = verifier
        self.policies = policies
        self.checks = checks
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.get("v1/health") { _, _ in try JSONCoding.response(["status": "ok"]) }
        router.get("v1/ready", use: ready)
    }

    @Sendable func ready(request: Request, context: LessorRequestContext) async throws -> Response {
        let issuers = await verifier.status()
        var components: [String: JSONValue] = [:]
        var ready = issuers.allSatisfy(\.isServing)
        for check in checks {
            let (passes, detail) = await check.run()
            ready = ready && passes
            components[check.name] = detail
        }
        let policy = policies.map { store in
            let status = store.status
            return ReadyBody.Policy(
                state: status.lastFailure == nil ? "loaded" : "reload_refused", digest: status.digest,
                commit: status.commit, loadedAt: status.loadedAt, lastFailure: status.lastFailure,
                lastFailureAt: status.lastFailureAt)
        }
        let body = ReadyBody(
            status: ready ? "ready" : "not_ready", policy: policy, components: components,
            issuers: issuers.map {
                .init(
                    issuer: $0.issuer, state: $0.state.rawValue, keys: $0.keyIDs.count, lastSuccess: $0.lastSuccess,
                    expiresAt: $0.expiresAt, lastError: $0.lastError)
            })
        return try JSONCoding.response(body, status: ready ? .ok : .serviceUnavailable)
    }

    struct ReadyBody: Encodable {
        struct Issuer: Encodable {
            let issuer: String
            let state: String
            let keys: Int
            let lastSuccess: Date?
            let expiresAt: Date?
            let lastError: String?
        }
        /// A refused reload is shown but does not fail readiness: the previous bundle still serves.
        struct Policy: Encodable {
            let state: String
            let digest: String
            let commit: String?
            let loadedAt: Date
            let lastFailure: String?
            let lastFailureAt: Date?
        }
        let status: String
        let policy: Policy?
        /// Store, audit devices and other checks, by name.
        let components: [String: JSONValue]
        let issuers: [Issuer]
    }
}
