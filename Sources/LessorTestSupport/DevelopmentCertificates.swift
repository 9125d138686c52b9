import Foundation
public import NIOSSL

/// The files of `certs-dev/`, found from this source file's location.
public enum DevelopmentCertificates {
    public static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("certs-dev").path
    }

    public static var caPath: String { "\(directory)/ca.pem" }

    /// Server TLS for 127.0.0.1 signed by the development CA.
    public static func serverTLS() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile("\(directory)/server-chain.pem").map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(file: "\(directory)/server-key.pem", format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }
}
