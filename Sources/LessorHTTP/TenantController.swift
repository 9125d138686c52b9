import Foundation
public import Hummingbird
public import LessorBroker
import LessorCore
public import LessorCrypto
public import LessorIdentity
import Logging

/// Admin routes for tenants' runtime state: `POST /v1/tenants/<id>/offboard` with a reason
/// (`X-Lessor-Reason` header or `{"reason"}`) answers the signed deletion certificate. The
/// connection's client certificate goes with the caller, for bindings that require mTLS.
public struct TenantController: Sendable {
    let authenticator: Authenticator
    let broker: Broker
    let certificateKey: Ed25519KeyPair
    let certificateKeyID: String

    public init(verifier: TokenVerifier, broker: Broker, certificateKey: Ed25519KeyPair, certificateKeyID: String) {
        authenticator = Authenticator(verifier: verifier, broker: broker)
        self.broker = broker
        self.certificateKey = certificateKey
        self.certificateKeyID = certificateKeyID
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.post("v1/tenants/:tenant/offboard", use: offboard)
    }

    struct OffboardRequest: Decodable { let reason: String? }

    @Sendable func offboard(request: Request, context: LessorRequestContext) async throws -> Response {
        var caller = try await authenticator.caller(request, context: context)
        caller.clientCertificate = await ClientCertificateReader.certificate(of: context.channel)
        let tenantID = context.parameters.get("tenant") ?? ""
        let header = request.headers.first { $0.name.canonicalName == "x-lessor-reason" }?.value
        let certificate = try await answer(context) { () throws(LessorError) in
            let body = try await authenticator.body(OffboardRequest.self, of: request, caller: caller)
            let report = try await broker.offboard(caller, tenantID: tenantID, reason: header ?? body.reason ?? "")
            return report.certificate(signedWith: certificateKey, keyID: certificateKeyID)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: certificate.encoded())))
    }
}
