import Foundation
public import Hummingbird
public import LessorBroker
import LessorCore
public import LessorIdentity
import Logging

/// The native exchange and lease API:
/// `POST /v1/creds/<path>` (`{"ttl"}`) → a credential under a lease;
/// `POST /v1/leases/renew` (`{"lease_id", "increment"}`), `POST /v1/leases/revoke` (`{"lease_id"}`),
/// `GET /v1/leases` (`?after=&limit=`) — each only for the caller's own tenant and binding.
public struct CredentialsController: Sendable {
    let authenticator: Authenticator
    let broker: Broker

    public init(verifier: TokenVerifier, broker: Broker) {
        authenticator = Authenticator(verifier: verifier, broker: broker)
        self.broker = broker
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.post("v1/creds/**", use: exchange)
        router.post("v1/leases/renew", use: renew)
        router.post("v1/leases/revoke", use: revoke)
        router.get("v1/leases", use: list)
    }

    struct ExchangeRequest: Decodable { let ttl: TTLValue? }
    struct RenewRequest: Decodable {
        let leaseId: String
        let increment: TTLValue?
    }
    struct RevokeRequest: Decodable { let leaseId: String }

    @Sendable func exchange(request: Request, context: LessorRequestContext) async throws -> Response {
        let caller = try await authenticator.caller(request, context: context)
        return try await answerJSON(context) { () throws(LessorError) in
            let body = try await authenticator.body(ExchangeRequest.self, of: request, caller: caller)
            let path = context.parameters.getCatchAll().joined(separator: "/")
            let result = try await broker.exchange(caller, path: path, requestedTTL: body.ttl?.duration)
            context.logger.debug(
                "credential issued",
                metadata: [
                    "request_id": "\(context.requestID)", "tenant_id": "\(result.lease.tenantID)",
                    "path": "\(result.lease.path)", "ttl": "\(result.leaseDuration)",
                ])
            return LeaseBody(
                result.lease, data: result.data, duration: result.leaseDuration, requestID: context.requestID
            ).json
        }
    }

    @Sendable func renew(request: Request, context: LessorRequestContext) async throws -> Response {
        let caller = try await authenticator.caller(request, context: context)
        return try await answerJSON(context) { () throws(LessorError) in
            let body = try await authenticator.body(RenewRequest.self, of: request, caller: caller)
            let renewal = try await broker.renew(caller, leaseID: body.leaseId, increment: body.increment?.duration)
            let remaining = Int(renewal.lease.expiresAt.timeIntervalSinceNow.rounded())
            return LeaseBody(
                renewal.lease, data: renewal.data, duration: max(0, remaining), requestID: context.requestID
            )
            .json
        }
    }

    @Sendable func revoke(request: Request, context: LessorRequestContext) async throws -> Response {
        let caller = try await authenticator.caller(request, context: context)
        return try await answerJSON(context) { () throws(LessorError) in
            let body = try await authenticator.body(RevokeRequest.self, of: request, caller: caller)
            let lease = try await broker.revoke(caller, leaseID: body.leaseId)
            return (RevokeBody(leaseId: lease.id, state: lease.state.rawValue, requestId: context.requestID))
        }
    }

    @Sendable func list(request: Request, context: LessorRequestContext) async throws -> Response {
        let caller = try await authenticator.caller(request, context: context)
        return try await answerJSON(context) { () throws(LessorError) in
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
            let after = request.uri.queryParameters.get("after")
            let leases = try await broker.leases(caller, after: after, limit: limit)
            return
                (ListBody(leases: leases.map { LeaseSummary($0) }, next: leases.count >= limit ? leases.last?.id : nil))
        }
    }
}

/// The answer to an exchange or a renewal. It is on every exchange's path, so it is written as a
/// `JSONValue` by `AuditCanonicalJSON` rather than through `JSONEncoder` (about 3 % of the broker's
/// CPU went there, with its snake-case key conversion); keys and forms are those `JSONCoding` writes.
struct LeaseBody {
    let json: JSONValue

    init(_ lease: Lease, data: [String: JSONValue]?, duration: Int, requestID: String) {
        var members: [String: JSONValue] = [
            "lease_id": .string(lease.id), "lease_duration": .number(Double(duration)),
            "renewable": .bool(lease.renewable), "expires_at": .string(lease.expiresAt.formatted(.iso8601)),
            "request_id": .string(requestID),
        ]
        if let data { members["data"] = .object(data) }
        json = .object(members)
    }
}

struct RevokeBody: Encodable {
    let leaseId: String
    let state: String
    let requestId: String
}

struct LeaseSummary: Encodable {
    let leaseId: String
    let path: String
    let engine: String
    let state: String
    let issuedAt: Date
    let expiresAt: Date
    let maxExpiresAt: Date
    let renewable: Bool

    init(_ lease: Lease) {
        leaseId = lease.id
        path = lease.path
        engine = lease.engine
        state = lease.state.rawValue
        issuedAt = lease.issuedAt
        expiresAt = lease.expiresAt
        maxExpiresAt = lease.maxExpiresAt
        renewable = lease.renewable
    }
}

struct ListBody: Encodable {
    let leases: [LeaseSummary]
    let next: String?
}
