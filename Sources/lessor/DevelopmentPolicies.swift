import ArgumentParser
import Foundation

/// The policy bundle `lessor dev` serves: the example policies, plus bindings that map the
/// built-in development issuer's tokens to tenants (namespace `tenant-<id>`) and one subject to
/// the global admin role.
enum DevelopmentPolicies {
    static let adminSubject = "dev-admin"

    /// Copies the examples (without their tests) into `directory`, adds the dev bindings, and
    /// returns `directory`.
    static func write(examples: String, into directory: String, issuer: String) throws -> String {
        let files = FileManager.default
        guard files.fileExists(atPath: "\(examples)/classes.yaml") else {
            throw ValidationError("no example policies at \(examples); run from the repository or pass --policies")
        }
        try? files.removeItem(atPath: directory)
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for entry in try files.contentsOfDirectory(atPath: examples)
        where entry != "tests" && entry.hasSuffix(".md") == false {
            try files.copyItem(atPath: "\(examples)/\(entry)", toPath: "\(directory)/\(entry)")
        }
        try files.createDirectory(atPath: "\(directory)/bindings", withIntermediateDirectories: true)
        let bindings = """
            # Written by `lessor dev`: the development issuer's tokens.
            bindings:
              - name: dev-workloads
                issuer: \(issuer)
                audiences: [lessor]
                bound_claims:
                  sub: "system:serviceaccount:*"
                  kubernetes.io.namespace: tenant-*
                tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
                policies: [app]

              - name: dev-admin
                issuer: \(issuer)
                audiences: [lessor]
                bound_claims:
                  sub: \(adminSubject)
                global_role: admin
                policies: [admin]

            """
        try bindings.write(toFile: "\(directory)/bindings/dev.yaml", atomically: true, encoding: .utf8)
        return directory
    }
}
