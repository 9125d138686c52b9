import ArgumentParser
import Foundation
import LessorAudit
import LessorCore

/// `lessor audit keygen --dir D`: the checkpoint signing key, its public key and the hash key.
struct AuditKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create the audit signing key, its public key file for auditors, and the field hash key.")

    @Option(help: "Directory for signing.key, hash.key (mode 0600) and public-key.json.")
    var dir: String

    func run() throws {
        do {
            try AuditKeyDirectory.create(dir)
            let publicKey = try AuditPublicKey(file: AuditKeyDirectory.publicKey(dir))
            print(
                "audit keys written to \(dir); give \(AuditKeyDirectory.publicKey(dir)) (key id \(publicKey.keyID)) to auditors"
            )
        } catch {
            throw AuditCLI.fail(error)
        }
    }
}

/// `lessor audit public-key --signing-key F`: prints the public key file for a signing key.
struct AuditPublicKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "public-key", abstract: "Print the public key file auditors keep, for a signing key.")

    @Option(help: "The audit signing key file.")
    var signingKey: String

    func run() throws {
        do {
            print(try AuditSigningKey(keyFile: signingKey).publicKey.fileText, terminator: "")
        } catch {
            throw AuditCLI.fail(error)
        }
    }
}

/// `lessor audit hash VALUE --key-file F`: the keyed hash of a value, to search the log for it.
struct AuditHashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash", abstract: "Print the keyed hash under which a value (a lease id, a token id) is logged.")

    @Argument(help: "The value in clear.")
    var value: String

    @Option(help: "The audit hash key file.")
    var keyFile: String

    func run() throws {
        do {
            print(try AuditFieldHasher(keyFile: keyFile).hash(value))
        } catch {
            throw AuditCLI.fail(error)
        }
    }
}

/// The file names `keygen` writes in its directory.
enum AuditKeyDirectory {
    static func signingKey(_ dir: String) -> String { "\(dir)/signing.key" }
    static func hashKey(_ dir: String) -> String { "\(dir)/hash.key" }
    static func publicKey(_ dir: String) -> String { "\(dir)/public-key.json" }

    static func create(_ dir: String) throws(LessorError) {
        do {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LessorError(.configInvalid, "cannot create \(dir)")
        }
        try AuditSigningKey.createKeyFile(at: signingKey(dir), publicKeyPath: publicKey(dir))
        try AuditFieldHasher.createKeyFile(at: hashKey(dir))
    }
}
