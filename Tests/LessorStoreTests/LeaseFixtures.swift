import Foundation
import LessorCore

/// Leases and instants for the contract suite. Instants are whole seconds, so every store keeps
/// them exactly.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    static func key(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 40) }

    /// A well-formed lookup digest (64 lower-case hex digits): `byte` repeated.
    static func digest(_ byte: UInt8) -> String { String(repeating: String(format: "%02x", byte), count: 32) }

    /// A pending intent issued at `issuedAt`, expiring `ttl` later, renewable up to `maxTTL`.
    static func lease(
        _ id: String, tenant: String = "acme", binding: String = "ci-deployer", issuedAt: Date = t0,
        ttl: TimeInterval = 600, maxTTL: TimeInterval = 3600
    ) -> Lease {
        Lease(
            id: id, tenantID: tenant, issuer: "https://idp.example", subject: "system:serviceaccount:ci:deployer",
            binding: binding, path: "token/audiences/billing", engine: "token", issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(ttl), maxExpiresAt: issuedAt.addingTimeInterval(maxTTL),
            renewable: true, state: .pending, policyDigest: "sha256:policy", requestID: "req-\(id)")
    }
}

extension LeaseStore {
    /// Creates the tenant with a data key, as the broker does on a tenant's first request.
    @discardableResult
    func makeTenant(_ id: String, at now: Date = Fixture.t0) async throws -> TenantRecord {
        try await ensureTenant(id, wrappedDataKey: Fixture.key(7), at: now)
    }

    /// Writes the intent and activates it, as an exchange does; returns the lease as stored.
    @discardableResult
    func issue(_ lease: Lease) async throws -> Lease {
        try await insertIntent(lease)
        guard try await activate(leaseID: lease.id, sealedRevocationHandle: [1, 2, 3], lookupDigest: nil) else {
            throw LessorError(.internalFailure, "the fresh intent was not pending")
        }
        var active = lease
        active.state = .active
        active.sealedRevocationHandle = [1, 2, 3]
        return active
    }
}
