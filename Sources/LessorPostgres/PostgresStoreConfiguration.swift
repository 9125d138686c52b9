import Foundation
public import LessorCore
import PostgresNIO

/// Where and how the PostgreSQL store connects, parsed from
/// `postgres://user:password@host:port/database?sslmode=disable|require&sslrootcert=/path/ca.pem&schema=name`.
///
/// `sslmode=require` (the default) means TLS with the server's certificate and host name verified
/// against the system's trust roots, or against `sslrootcert` when given; `disable` is for loopback
/// and test databases only. `schema` keeps the store's tables in that schema (created by the
/// migrations) instead of `public`, so several stores can share one database. The description never
/// shows the password.
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String
    public var tlsMode: TLSMode
    /// A PEM file of certificate authorities to trust instead of the system's (`sslrootcert`).
    public var rootCertificatePath: String?
    /// The schema holding the store's tables: lower-case letters, digits and `_`; nil for the
    /// server's default search path.
    public var schema: String?
    /// Connections the pool opens at most; each broker replica has its own pool.
    public var maximumConnections: Int = 10
    public var connectTimeout: Duration = .seconds(10)

    /// Parses a `postgres://` or `postgresql://` URL. Errors name what is wrong, never the URL itself.
    public init(url: String) throws(LessorError) {
        guard let components = URLComponents(string: url) else {
            throw Self.invalid("it is not a URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw Self.invalid("the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Self.invalid("it has no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw Self.invalid("it has no user")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            throw Self.invalid("the port must be between 1 and 65535")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw Self.invalid("the path must name one database (postgres://user:password@host:5432/lessor)")
        }
        self.host = host
        self.port = port
        self.username = username
        self.password = components.password
        self.database = path
        self.tlsMode = .require
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw Self.invalid("sslmode must be disable or require")
                }
                tlsMode = mode
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else {
                    throw Self.invalid("sslrootcert must name a PEM file")
                }
                rootCertificatePath = value
            case "schema":
                guard let value = item.value, Self.isSchemaName(value) else {
                    throw Self.invalid(
                        "schema must be 1 to 63 lower-case letters, digits or '_', not starting with a digit")
                }
                schema = value
            default:
                throw Self.invalid("the parameter '\(item.name)' is not supported (use sslmode, sslrootcert, schema)")
            }
        }
    }

    /// `host:port/database` without credentials, for messages and logs.
    public var description: String { "\(host):\(port)/\(database)" }
    public var debugDescription: String { "PostgresStoreConfiguration(\(description), user: \(username))" }

    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable:
            tls = .disable
        case .require:
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            if let rootCertificatePath {
                tlsConfiguration.trustRoots = .file(rootCertificatePath)
            }
            tls = .require(tlsConfiguration)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = [("application_name", "lessor")]
        if let schema {
            configuration.options.additionalStartupParameters.append(("search_path", "\"\(schema)\""))
        }
        return configuration
    }

    /// Whether `name` can be used as the schema: it is then safe to write into SQL unquoted.
    static func isSchemaName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63,
            !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }

    private static func invalid(_ problem: String) -> LessorError {
        LessorError(.configInvalid, "the PostgreSQL URL is invalid: \(problem)")
    }
}
