import Foundation
import LessorCore
import LessorPostgres
import Testing

/// What the PostgreSQL store reports when its URL or its database is not usable. No message may
/// carry the password, a lease id or key material.
@Suite("PostgreSQL store errors")
struct PostgresStoreErrorTests {
    @Test("a URL is parsed with its percent-encoded password, TLS mode and schema")
    func parsesURL() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgresql://broker:p%40ss%2Fword@db.internal:6432/lessor?sslmode=disable&schema=tenant_a")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6432)
        #expect(configuration.username == "broker")
        #expect(configuration.database == "lessor")
        #expect(configuration.tlsMode == .disable)
        #expect(configuration.schema == "tenant_a")
        #expect(configuration.description == "db.internal:6432/lessor")
        #expect(!String(reflecting: configuration).contains("p@ss"))

        let defaults = try PostgresStoreConfiguration(url: "postgres://broker@db.internal/lessor")
        #expect(defaults.port == 5432)
        #expect(defaults.tlsMode == .require)
        #expect(defaults.schema == nil)
    }

    @Test(
        "an unusable URL is refused with configInvalid, naming the problem but never the password",
        arguments: [
            "mysql://broker:s3cr3t-pw@db:5432/lessor",
            "postgres://broker:s3cr3t-pw@db:5432/",
            "postgres://:s3cr3t-pw@db:5432/lessor",
            "postgres://broker:s3cr3t-pw@db:5432/lessor?sslmode=prefer",
            "postgres://broker:s3cr3t-pw@db:5432/lessor?schema=Robert%27%3B%20DROP",
            "postgres://broker:s3cr3t-pw@db:5432/lessor?password=s3cr3t-pw",
            "postgres://broker:s3cr3t-pw@db:5432/a/b",
        ])
    func refusesURL(url: String) {
        let error = #expect(throws: LessorError.self) { try PostgresStoreConfiguration(url: url) }
        #expect(error?.code == .configInvalid)
        #expect(error?.message.contains("s3cr3t-pw") == false)
        #expect(error?.message.contains("Robert") == false)
    }

    @Test("calls after the store shut down fail with storeUnavailable, without the password or ids")
    func failsAfterShutdown() async throws {
        let store = PostgresTestDatabase.store(try PostgresTestDatabase.freshConfiguration())
        try await store.withRunning { store in
            _ = try await store.ensureTenant("acme", wrappedDataKey: [1, 2, 3], at: Date())
        }
        let url = try #require(ProcessInfo.processInfo.environment[PostgresTestDatabase.urlVariable])
        let password = try #require(URLComponents(string: url)?.password)
        let error = await #expect(throws: LessorError.self) { try await store.tenant("acme-secret-tenant") }
        #expect(error?.code == .storeUnavailable)
        #expect(error?.message.contains(password) == false)
        #expect(error?.message.contains("acme-secret-tenant") == false)
        #expect(error?.message.contains("; ") == true, "the message says what to check")
    }
}
