/// One versioned schema change. Versions only grow; a released migration is never edited, a
/// change is a new migration. Times are stored as `bigint` milliseconds since 1970 UTC, and ids
/// use the `C` collation so that `id` order is byte order, as in the SQLite store.
struct PostgresMigration: Sendable {
    let version: Int
    let name: String
    /// Run in order inside one transaction.
    let statements: [String]

    static let all: [Self] = [
        Self(
            version: 1, name: "tenants and leases",
            statements: [
                """
                CREATE TABLE tenants (
                    id text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
                    state text NOT NULL CHECK (state IN ('active', 'offboarding', 'offboarded')),
                    created_at bigint NOT NULL,
                    updated_at bigint NOT NULL,
                    wrapped_data_key bytea
                )
                """,
                """
                CREATE TABLE leases (
                    id text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
                    tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
                    issuer text NOT NULL,
                    subject text NOT NULL,
                    binding text NOT NULL,
                    path text NOT NULL,
                    engine text NOT NULL,
                    issued_at bigint NOT NULL,
                    expires_at bigint NOT NULL,
                    max_expires_at bigint NOT NULL,
                    renewable boolean NOT NULL,
                    state text NOT NULL
                        CHECK (state IN ('pending', 'active', 'revoking', 'revoked', 'irrevocable')),
                    sealed_revocation_handle bytea,
                    policy_digest text NOT NULL,
                    request_id text NOT NULL,
                    revoke_attempts integer NOT NULL DEFAULT 0 CHECK (revoke_attempts >= 0),
                    next_attempt_at bigint,
                    last_error text,
                    revoked_at bigint
                )
                """,
                "CREATE UNIQUE INDEX leases_by_tenant ON leases (tenant_id, id)",
                // The indexes below are partial: a revoked lease leaves them, so revoking a batch
                // adds no entries to them and most leases (revoked ones) cost nothing there.
                """
                CREATE INDEX leases_outstanding ON leases (tenant_id, state, id)
                    WHERE state IN ('pending', 'active', 'revoking')
                """,
                """
                CREATE INDEX leases_due_by_expiry ON leases (state, expires_at)
                    WHERE state IN ('pending', 'active')
                """,
                """
                CREATE INDEX leases_due_by_attempt ON leases (state, next_attempt_at)
                    WHERE state = 'revoking'
                """,
                "CREATE INDEX leases_irrevocable ON leases (tenant_id) WHERE state = 'irrevocable'",
            ]),
        Self(
            version: 2, name: "lease lookup digest",
            statements: [
                // The SHA-256 (lower-case hex) of a key the caller presents later, such as an AWS
                // access key id; the raw key is never stored. Existing leases get NULL, and adding
                // a nullable column without a default rewrites no rows.
                """
                ALTER TABLE leases ADD COLUMN lookup_digest text COLLATE "C"
                    CONSTRAINT leases_lookup_digest_hex CHECK (lookup_digest ~ '^[0-9a-f]{64}$')
                """,
                // One lease per digest; leases without one (most) cost nothing here.
                """
                CREATE UNIQUE INDEX leases_by_lookup_digest ON leases (lookup_digest)
                    WHERE lookup_digest IS NOT NULL
                """,
            ]),
        Self(
            version: 3, name: "live leases by tenant",
            statements: [
                // Every exchange counts its tenant's live leases (the class's max_leases): an
                // index-only scan over the tenant's active leases by expiry, no heap reads.
                """
                CREATE INDEX leases_live_by_tenant ON leases (tenant_id, expires_at)
                    WHERE state = 'active'
                """
            ]),
        Self(
            version: 4, name: "audit anchors",
            statements: [
                // Each audit log's last durable position, kept outside the log so a log cut back
                // behind it is refused at start-up and by verify. One row per replica's log.
                """
                CREATE TABLE audit_anchors (
                    log text COLLATE "C" PRIMARY KEY,
                    sequence bigint NOT NULL CHECK (sequence >= 1),
                    hash text COLLATE "C" NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
                    updated_at bigint NOT NULL
                )
                """
            ]),
    ]
}
