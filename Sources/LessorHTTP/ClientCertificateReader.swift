import LessorCore
import LessorCrypto
import NIOCore
import NIOSSL

/// Reads the client certificate of a connection. With `server.tls.client_ca`, a certificate the
/// client presents must verify against that CA or the handshake fails, so one found here is
/// verified. Nil on plain HTTP, without a client CA, or when the client presented none.
enum ClientCertificateReader {
    static func certificate(of channel: any Channel) async -> ClientCertificate? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get(),
            let der = try? certificate.toDERBytes()
        else { return nil }
        let names = certificate._subjectAlternativeNames().compactMap { name -> String? in
            switch name.nameType {
            case .dnsName, .email, .uri: String(decoding: name.contents, as: UTF8.self)
            default: nil
            }
        }
        return ClientCertificate(fingerprint: Digest.sha256Hex(der), names: names)
    }
}
