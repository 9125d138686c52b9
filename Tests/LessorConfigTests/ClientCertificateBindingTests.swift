import LessorConfig
import LessorCore
import Testing

/// `require_client_certificate` and `client_certificate_names` on role bindings: global bindings
/// only, covered by the digest, and the requirement's verdict on a presented certificate.
@Suite("Role bindings: client certificates (mTLS) for admin bindings")
struct ClientCertificateBindingTests {
    static func admins(_ extra: String, role: String = "global_role: admin", policy: String = "admin") -> String {
        """
        bindings:
          - name: admins
            issuer: https://ci.test
            bound_claims:
              sub: platform-admin
            \(role)
            policies: [\(policy)]
        \(extra)
        """
    }

    @Test("the requirement loads into a global binding and changes the digest; without it the digest stays")
    func loads() throws {
        let plain = try DelegationBindingTests.load(bindings: Self.admins(""))
        let required = try DelegationBindingTests.load(
            bindings: Self.admins("    require_client_certificate: true\n    client_certificate_names: [admin.*.test]"))
        let requirement = try #require(required.bindings.first?.clientCertificate)
        #expect(requirement.names.map(\.pattern) == ["admin.*.test"])
        #expect(plain.bindings.first?.clientCertificate == nil)
        #expect(plain.digest != required.digest)
        let off = try DelegationBindingTests.load(bindings: Self.admins("    require_client_certificate: false"))
        #expect(off.bindings.first?.clientCertificate == nil)
        #expect(off.digest == plain.digest)
    }

    @Test("a tenant binding cannot require a client certificate; names need the requirement")
    func refusals() {
        let tenant = DelegationBindingTests.issues(
            Self.admins("    require_client_certificate: true", role: "tenant: acme", policy: "app"))
        #expect(tenant.first?.message.contains("only global (admin and auditor) bindings") == true, "\(tenant)")
        let names = DelegationBindingTests.issues(Self.admins("    client_certificate_names: [a.test]"))
        #expect(names.first?.message.contains("needs require_client_certificate: true") == true, "\(names)")
    }

    @Test("a server that verifies no client certificates refuses a binding that requires one, at the binding's line")
    func requirementNeedsAVerifyingServer() throws {
        let required = Self.admins("    require_client_certificate: true")
        let refused = #expect(throws: PolicyIssues.self) {
            try DelegationBindingTests.load(bindings: required, verifiesClientCertificates: false)
        }
        let issue = try #require(refused?.issues.first)
        #expect(refused?.issues.count == 1)
        #expect(issue.location.file == "bindings.yaml" && issue.location.line == 2, "\(issue)")
        #expect(issue.message.contains("binding admins requires a client certificate, but this server verifies none"))
        #expect(issue.message.contains("server.tls.client_ca"))

        #expect(
            try DelegationBindingTests.load(bindings: required, verifiesClientCertificates: true).bindings.count == 1)
        #expect(try DelegationBindingTests.load(bindings: required).bindings.count == 1, "policy check knows no server")
        #expect(
            try DelegationBindingTests.load(bindings: Self.admins(""), verifiesClientCertificates: false).bindings
                .count == 1)
    }

    @Test("the verdict: none presented, a name outside the globs, any name when no globs")
    func verdict() {
        let named = ClientCertificateRequirement(names: [ClaimGlob("admin.*.test")])
        let admin = ClientCertificate(fingerprint: "aa", names: ["admin.ops.test"])
        let other = ClientCertificate(fingerprint: "bb", names: ["ops.test"])
        #expect(named.refusal(of: nil)?.contains("none was presented") == true)
        #expect(named.refusal(of: other)?.contains("names none of admin.*.test") == true)
        #expect(named.refusal(of: admin) == nil)
        #expect(ClientCertificateRequirement(names: []).refusal(of: other) == nil)
    }
}
