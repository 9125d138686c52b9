import Foundation
public import Hummingbird
public import LessorIdentity

/// `GET /v1/health` (the process answers) and `GET /v1/ready` (it can do its work: every issuer's
/// keys are being served).
public struct HealthController: Sendable {
    let verifier: TokenVerifier

    public init(verifier: TokenVerifier) {
        self.verifier = verifier
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.get("v1/health") { _, _ in try JSONCoding.response(["status": "ok"]) }
        router.get("v1/ready", use: ready)
    }

    @Sendable func ready(request: Request, context: LessorRequestContext) async throws -> Response {
        let issuers = await verifier.status()
        let ready = issuers.allSatisfy(\.isServing)
        let body = ReadyBody(
            status: ready ? "ready" : "not_ready",
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
            enum CodingKeys: String, CodingKey {
                case issuer, state, keys
                case lastSuccess = "last_success"
                case expiresAt = "expires_at"
                case lastError = "last_error"
            }
        }
        let status: String
        let issuers: [Issuer]
    }
}
