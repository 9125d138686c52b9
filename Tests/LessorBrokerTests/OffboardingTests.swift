import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorEngines
import LessorSQLite
import LessorTestSupport
import Testing

@Suite("Offboarding: cut off at once, revoke everything, destroy the key, sign a certificate")
struct OffboardingTests {
    @Test("Offboarding revokes every live lease, destroys the data key and yields a verifiable certificate")
    func offboardRevokesEverything() async throws {
        let refusing = RefusingEngine()
        let fixture = try BrokerFixture(extraEngines: [refusing])
        let acme = fixture.workload("acme")
        var leases: [Lease] = []
        for index in 0..<25 {
            leases.append(
                try await fixture.broker.exchange(
                    acme, path: index.isMultiple(of: 2) ? "token/audiences/billing" : "token/audiences/shared",
                    requestedTTL: nil
                ).lease)
        }
        let upstream = try await fixture.broker.exchange(acme, path: "refusing/things/db", requestedTTL: nil).lease
        let neighbour = try await fixture.broker.exchange(
            fixture.workload("globex"), path: "token/audiences/billing", requestedTTL: nil
        ).lease

        let report = try await fixture.broker.offboard(fixture.admin(), tenantID: "acme", reason: "contract ended")
        #expect(report.leasesRevoked == 25)
        #expect(report.leasesPending == 1, "the upstream that refuses stays pending for the sweeper")
        #expect(report.dataKeyDestroyed)
        #expect(report.lastAuditSequence > report.firstAuditSequence)
        for lease in leases {
            #expect(try await fixture.store.lease(id: lease.id, tenantID: "acme")?.state == .revoked)
        }
        #expect(try await fixture.store.lease(id: upstream.id, tenantID: "acme")?.state == .revoking)
        #expect(refusing.handles.first == Array("handle-\(upstream.id)".utf8), "the handle opened before the key went")
        #expect(try await fixture.store.lease(id: neighbour.id, tenantID: "globex")?.state == .active)
        let record = try #require(try await fixture.store.tenant("acme"))
        #expect(record.state == .offboarded && record.wrappedDataKey == nil)

        let certificate = report.certificate(signedWith: fixture.signingKey.keyPair, keyID: fixture.signingKey.keyID)
        try certificate.verify(publicKey: fixture.signingKey.publicKey.key)
        var forged = certificate
        forged.leasesRevoked = 26
        #expect(throws: LessorError.self) { try forged.verify(publicKey: fixture.signingKey.publicKey.key) }

        let records = try await fixture.auditRecords()
        #expect(records.contains { $0["event"]?.stringValue == "tenant.offboard" })
        #expect(records.contains { $0["event"]?.stringValue == "tenant.offboarded" })
        #expect(
            records.filter { $0["event"]?.stringValue == "revoke" && $0["tenant_id"]?.stringValue == "acme" }.count
                == 26)
        await fixture.cleanUp()
    }

    @Test("A batch whose revoke records cannot be written stays outstanding, and a re-run revokes and records it")
    func offboardingFailsClosedOnTheAudit() async throws {
        let (fixture, failing) = try BrokerFixture.withRevokeFailingAudit()
        let acme = fixture.workload("acme")
        var leases: [Lease] = []
        for _ in 0..<5 {
            leases.append(
                try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil).lease)
        }

        await #expect(throws: LessorError.self) {
            _ = try await fixture.broker.offboard(fixture.admin(), tenantID: "acme", reason: "contract ended")
        }
        for lease in leases {
            #expect(
                try await fixture.store.lease(id: lease.id, tenantID: "acme")?.state == .active,
                "a lease is never marked revoked without its revoke record")
        }
        #expect(try await fixture.store.tenant("acme")?.state == .offboarding, "new exchanges stay refused")

        failing.recover()
        let report = try await fixture.broker.offboard(fixture.admin(), tenantID: "acme", reason: "contract ended")
        #expect(report.leasesRevoked == 5)
        let revoked = try await fixture.auditRecords().filter {
            $0["event"]?.stringValue == "revoke" && $0["tenant_id"]?.stringValue == "acme"
        }
        #expect(revoked.count == 5, "one record per lease, none from the failed run (lease ids are keyed hashes)")
        #expect(Set(revoked.compactMap { $0["lease_id"]?.stringValue }).count == 5)
        for lease in leases {
            #expect(try await fixture.store.lease(id: lease.id, tenantID: "acme")?.state == .revoked)
        }
        await fixture.cleanUp()
    }

    @Test("A tenant offboarded while its credential is issued gets nothing, and the credential is revoked")
    func offboardedDuringIssue() async throws {
        let engine = OffboardingDuringIssueEngine(name: "access-keys")
        let fixture = try BrokerFixture(extraEngines: [engine])
        engine.attach(fixture.store)
        let acme = fixture.workload("acme")

        do {
            _ = try await fixture.broker.exchange(acme, path: "access-keys/roles/deployer", requestedTTL: nil)
            Issue.record("a tenant offboarded during issue got its credential")
        } catch {
            #expect(error.code == .tenantInactive)
        }
        let leaseID = try #require(engine.revokedLeaseIDs.first, "the issued credential is revoked upstream")
        #expect(try await fixture.store.lease(id: leaseID, tenantID: "acme")?.state == .revoked)
        #expect(try await fixture.store.liveLeaseCount(tenantID: "acme", at: fixture.clock.now) == 0)
        let refusal = try await fixture.auditRecords().last { $0["event"]?.stringValue == "deny" }
        #expect(refusal?["reason"]?.stringValue?.contains("offboarded while the credential was issued") == true)
        await fixture.cleanUp()
    }

    @Test("An offboarded tenant's valid token gets nothing, and a policy reload cannot revive it")
    func offboardedTenantGetsNothing() async throws {
        let fixture = try BrokerFixture()
        let acme = fixture.workload("acme")
        let lease = try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil).lease
        _ = try await fixture.broker.offboard(fixture.admin(), tenantID: "acme", reason: "offboarding test")
        #expect(fixture.policies.current.tenants["acme"] != nil, "acme is still declared in the policy files")
        for attempt in 0..<3 {
            do {
                switch attempt {
                case 0: _ = try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil)
                case 1: _ = try await fixture.broker.renew(acme, leaseID: lease.id, increment: nil)
                default: _ = try await fixture.broker.leases(acme, after: nil, limit: 10)
                }
                Issue.record("an offboarded tenant was served (attempt \(attempt))")
            } catch {
                #expect(error.code == .tenantInactive)
            }
        }
        #expect(try await fixture.broker.introspect(acme, tokenTenant: "acme", leaseID: lease.id) == nil)
        await fixture.cleanUp()
    }

    @Test("Only a global admin with a reason may offboard; refusals are audited")
    func offboardingIsGuarded() async throws {
        let fixture = try BrokerFixture()
        for (caller, reason) in [(fixture.workload("acme"), "mine"), (fixture.admin(), "  ")] {
            do {
                _ = try await fixture.broker.offboard(caller, tenantID: "acme", reason: reason)
                Issue.record("offboarding was allowed")
            } catch {
                #expect([LessorError.Code.permissionDenied, .requestInvalid].contains(error.code))
            }
        }
        #expect(try await fixture.store.tenant("acme")?.state != .offboarding)
        let refusals = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "tenant.offboard" }
        #expect(refusals.count == 2 && refusals.allSatisfy { $0["decision"]?.stringValue == "deny" })
        await fixture.cleanUp()
    }

    @Test("Engines' offboarding steps: successes reach the audit record and the certificate, a failure is counted")
    func engineOffboardingSteps() async throws {
        let succeeding = OffboardingHookEngine(
            name: "cloud", details: ["cloud_revoked_sessions_roles": "arn:role/a,arn:role/b", "sessions": "2"])
        let failing = OffboardingHookEngine(
            name: "upstream", failure: LessorError(.engineFailure, "upstream refused: role arn:role/c"))
        let fixture = try BrokerFixture(extraEngines: [failing, succeeding])
        let lease = try await fixture.broker.exchange(
            fixture.workload("acme"), path: "token/audiences/billing", requestedTTL: nil
        ).lease
        let before = fixture.clock.now

        let report = try await fixture.broker.offboard(fixture.admin(), tenantID: "acme", reason: "contract ended")
        #expect(report.leasesRevoked == 1)
        #expect(report.dataKeyDestroyed, "a failing engine step does not stop the key's destruction")
        #expect(
            report.engineActions == [
                "cloud_revoked_sessions_roles": "arn:role/a,arn:role/b", "cloud_sessions": "2",
            ], "keys are kept under the engine's name")
        #expect(report.engineFailures == ["upstream"])
        #expect(succeeding.calls.map(\.tenantID) == ["acme"] && failing.calls.map(\.tenantID) == ["acme"])
        #expect(succeeding.calls.allSatisfy { $0.at >= before })
        #expect(try await fixture.store.lease(id: lease.id, tenantID: "acme")?.state == .revoked)
        let record = try #require(try await fixture.store.tenant("acme"))
        #expect(record.state == .offboarded && record.wrappedDataKey == nil)

        let records = try await fixture.auditRecords()
        let offboarded = try #require(records.first { $0["event"]?.stringValue == "tenant.offboarded" })
        let details = offboarded["details"]?.objectValue ?? [:]
        #expect(details["cloud_revoked_sessions_roles"]?.stringValue == "arn:role/a,arn:role/b")
        #expect(details["engine_failures"]?.stringValue == "upstream")
        #expect(details["leases_revoked"]?.stringValue == "1")
        let failure = try #require(records.first { $0["event"]?.stringValue == "tenant.offboard_engine" })
        #expect(failure["decision"]?.stringValue == "deny")
        #expect(failure["details"]?.objectValue?["engine"]?.stringValue == "upstream")
        #expect(failure["reason"]?.stringValue?.contains("engine_failure") == true)

        let certificate = report.certificate(signedWith: fixture.signingKey.keyPair, keyID: fixture.signingKey.keyID)
        #expect(certificate.engineActions == report.engineActions)
        #expect(certificate.engineFailures == ["upstream"])
        try certificate.verify(publicKey: fixture.signingKey.publicKey.key)
        let read = try DeletionCertificate(json: certificate.encoded(), source: "certificate")
        try read.verify(publicKey: fixture.signingKey.publicKey.key)
        var hidden = certificate
        hidden.engineFailures = []
        #expect(throws: LessorError.self) { try hidden.verify(publicKey: fixture.signingKey.publicKey.key) }

        // Again on the offboarded tenant: the steps run again (they are idempotent), nothing else is left.
        let again = try await fixture.broker.offboard(fixture.admin(), tenantID: "acme", reason: "finish")
        #expect(again.leasesRevoked == 0 && again.engineFailures == ["upstream"])
        #expect(succeeding.calls.count == 2)
        await fixture.cleanUp()
    }
}
