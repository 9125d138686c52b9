import Foundation
import LessorCore
import LessorTestSupport

/// Certificates made with the `openssl` CLI for one test, in a directory of its own: CAs, server
/// certificates for 127.0.0.1 and localhost, and client certificates for mTLS. Nothing here is
/// committed; each test makes fresh keys.
struct TestCertificates {
    let directory: String

    /// A certificate and its key, as PEM files.
    struct Pair: Sendable {
        let certificate: String
        let key: String
    }

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A self-signed CA named `name`; returns its certificate and key.
    func authority(_ name: String) async throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name)-key.pem")
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pair.key,
            "-out", pair.certificate, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return pair
    }

    /// A leaf named `name` signed by `authority`: a server certificate for 127.0.0.1 and localhost,
    /// or a client certificate whose subject alternative name is `DNS:<clientName>`.
    func leaf(_ name: String, signedBy authority: Pair, clientName: String? = nil) async throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name)-key.pem")
        let extensions = "\(directory)/\(name).ext"
        let usage =
            clientName.map { "extendedKeyUsage = clientAuth\nsubjectAltName = DNS:\($0)" }
            ?? "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1"
        try "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\(usage)\n".write(
            toFile: extensions, atomically: true, encoding: .utf8)
        try await Self.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pair.key,
            "-out", "\(directory)/\(name).csr", "-subj", "/CN=\(name)",
        ])
        try await Self.openssl([
            "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", authority.certificate, "-CAkey", authority.key,
            "-CAcreateserial", "-days", "2", "-sha256", "-extfile", extensions, "-out", pair.certificate,
        ])
        return pair
    }

    /// SHA-256 of a PEM certificate's DER, lowercase hex without colons.
    static func fingerprint(ofFile path: String) async throws -> String {
        let result = try await openssl(["x509", "-in", path, "-noout", "-fingerprint", "-sha256"])
        return normalized(String(decoding: result.output, as: UTF8.self))
    }

    /// The fingerprint of the certificate a TLS server on 127.0.0.1:`port` presents to a new
    /// handshake, read with `openssl s_client`.
    static func servedFingerprint(port: Int) async throws -> String {
        let result = try await ChildProcess.run(
            "/bin/sh",
            [
                "-c",
                "openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256",
            ])
        return normalized(String(decoding: result.output, as: UTF8.self))
    }

    @discardableResult
    static func openssl(_ arguments: [String]) async throws -> ChildProcess.Result {
        let result = try await ChildProcess.run("/usr/bin/env", ["openssl"] + arguments)
        guard result.status == 0 else {
            throw LessorError(.internalFailure, "openssl \(arguments.first ?? "") failed: \(result.errors)")
        }
        return result
    }

    private static func normalized(_ line: String) -> String {
        guard let value = line.split(separator: "=", maxSplits: 1).last else { return "" }
        return value.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: "")
            .lowercased()
    }
}
