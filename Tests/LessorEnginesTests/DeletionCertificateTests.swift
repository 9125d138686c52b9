import Foundation
import LessorBroker
import LessorCore
import LessorCrypto
import Testing

@Suite("Deletion certificate")
struct DeletionCertificateTests {
    private static let keyPair = Ed25519KeyPair()
    private static let publicKey = try! Ed25519PublicKey(bytes: keyPair.publicKey)

    private static func signed() -> DeletionCertificate {
        var certificate = DeletionCertificate(
            tenantID: "acme", offboardedAt: Date(timeIntervalSince1970: 1_800_000_123.75), leasesRevoked: 41,
            leasesNotRevoked: 1, firstAuditSequence: 1200, lastAuditSequence: 1243, dataKeyDestroyed: true,
            reason: "contract ended (ticket OPS-42)", requestedBy: "system:serviceaccount:platform:offboarder",
            engineActions: ["aws_revoked_sessions_roles": "arn:aws:iam::123456789012:role/acme-deployer"],
            engineFailures: ["db"])
        certificate.sign(with: keyPair, keyID: "broker-2027")
        return certificate
    }

    /// A certificate in the first format, before engines' offboarding steps were listed.
    private static func signedVersion1() -> DeletionCertificate {
        var certificate = DeletionCertificate(
            tenantID: "acme", offboardedAt: Date(timeIntervalSince1970: 1_800_000_123), leasesRevoked: 3,
            leasesNotRevoked: 0, firstAuditSequence: 10, lastAuditSequence: 14, dataKeyDestroyed: true,
            reason: "contract ended", requestedBy: "platform-admin")
        certificate.version = 1
        certificate.sign(with: keyPair, keyID: "broker-2026")
        return certificate
    }

    @Test func aSignedCertificateVerifies() throws {
        let certificate = Self.signed()
        #expect(certificate.keyID == "broker-2027")
        #expect(certificate.offboardedAt == Date(timeIntervalSince1970: 1_800_000_123))
        try certificate.verify(publicKey: Self.publicKey)
    }

    @Test(arguments: [
        "version", "tenant_id", "offboarded_at", "leases_revoked", "leases_not_revoked", "first_audit_sequence",
        "last_audit_sequence", "data_key_destroyed", "reason", "requested_by", "engine_actions", "engine_failures",
        "key_id",
    ])
    func changingAnyFieldBreaksTheSignature(field: String) throws {
        var certificate = Self.signed()
        switch field {
        case "version": certificate.version += 1
        case "tenant_id": certificate.tenantID = "acme2"
        case "offboarded_at": certificate.offboardedAt.addTimeInterval(1)
        case "leases_revoked": certificate.leasesRevoked += 1
        case "leases_not_revoked": certificate.leasesNotRevoked = 0
        case "first_audit_sequence": certificate.firstAuditSequence += 1
        case "last_audit_sequence": certificate.lastAuditSequence -= 1
        case "data_key_destroyed": certificate.dataKeyDestroyed = false
        case "reason": certificate.reason += "."
        case "requested_by": certificate.requestedBy = "someone-else"
        case "engine_actions": certificate.engineActions["aws_revoked_sessions_roles"] = ""
        case "engine_failures": certificate.engineFailures = []
        case "key_id": certificate.keyID = "broker-2026"
        default: Issue.record("unknown field \(field)")
        }
        #expect(throws: LessorError(.signatureInvalid, "")) { try certificate.verify(publicKey: Self.publicKey) }
    }

    @Test func theWrongKeyFailsWithAClearMessage() throws {
        let other = try Ed25519PublicKey(bytes: Ed25519KeyPair().publicKey)
        do {
            try Self.signed().verify(publicKey: other)
            Issue.record("verified with another key")
        } catch {
            #expect(error.code == .signatureInvalid)
            #expect(error.message.contains("acme"))
            #expect(error.message.contains("another key"))
        }
    }

    @Test func aMissingOrGarbledSignatureFails() throws {
        var unsigned = Self.signed()
        unsigned.signature = ""
        #expect(throws: LessorError(.signatureInvalid, "")) { try unsigned.verify(publicKey: Self.publicKey) }
        var garbled = Self.signed()
        garbled.signature = "not base64url!"
        #expect(throws: LessorError(.signatureInvalid, "")) { try garbled.verify(publicKey: Self.publicKey) }
    }

    @Test func theFileFormRoundTrips() throws {
        let certificate = Self.signed()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lessor-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("acme.json").path
        try Data(certificate.encoded()).write(to: URL(fileURLWithPath: path))

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\n  \"data_key_destroyed\" : true,\n"))
        #expect(text.contains("\"offboarded_at\" : \"2027-01-15T08:02:03Z\""))
        let read = try DeletionCertificate.read(path: path)
        #expect(read == certificate)
        try read.verify(publicKey: Self.publicKey)
    }

    @Test func unknownMissingOrMistypedFieldsAreRefused() throws {
        let text = String(decoding: Self.signed().encoded(), as: UTF8.self)
        let variants = [
            text.replacingOccurrences(of: "{\n", with: "{\n  \"note\" : \"all data deleted\",\n"),
            text.replacingOccurrences(of: "  \"reason\" : \"contract ended (ticket OPS-42)\",\n", with: ""),
            text.replacingOccurrences(of: "\"leases_revoked\" : 41", with: "\"leases_revoked\" : \"41\""),
            "[]",
        ]
        for variant in variants {
            #expect(throws: LessorError(.requestInvalid, "")) {
                try DeletionCertificate(json: Array(variant.utf8), source: "certificate.json")
            }
        }
        #expect(throws: LessorError(.requestInvalid, "")) {
            try DeletionCertificate.read(path: "/nonexistent/certificate.json")
        }
    }

    @Test func engineStepsAreWrittenAndRead() throws {
        let certificate = Self.signed()
        #expect(certificate.version == 2)
        let text = String(decoding: certificate.encoded(), as: UTF8.self)
        #expect(text.contains("\"aws_revoked_sessions_roles\" : \"arn:aws:iam::123456789012:role/acme-deployer\""))
        #expect(text.contains("\"engine_failures\" : [\n    \"db\"\n  ]"))
        let read = try DeletionCertificate(json: certificate.encoded(), source: "certificate.json")
        #expect(read == certificate)
        try read.verify(publicKey: Self.publicKey)
    }

    @Test func version1CertificatesStillVerifyAndCannotGainUnsignedFields() throws {
        let certificate = Self.signedVersion1()
        let text = String(decoding: certificate.encoded(), as: UTF8.self)
        #expect(!text.contains("engine_"), "version 1 is written as it was")
        let read = try DeletionCertificate(json: Array(text.utf8), source: "old.json")
        #expect(read.version == 1 && read.engineActions.isEmpty)
        try read.verify(publicKey: Self.publicKey)

        let padded = text.replacingOccurrences(
            of: "{\n", with: "{\n  \"engine_actions\" : {\"aws_revoked_sessions_roles\" : \"arn\"},\n")
        #expect(throws: LessorError(.requestInvalid, "")) {
            try DeletionCertificate(json: Array(padded.utf8), source: "old.json")
        }
        var upgraded = certificate
        upgraded.version = 2
        #expect(throws: LessorError(.signatureInvalid, "")) { try upgraded.verify(publicKey: Self.publicKey) }
        let future = text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 3")
        #expect(throws: LessorError(.requestInvalid, "")) {
            try DeletionCertificate(json: Array(future.utf8), source: "new.json")
        }
    }
}
