import GRDB

/// The store's schema, one named migration per version, applied in order when a store opens.
/// A migration is never edited once released: changes go into a new one.
enum SQLiteMigrations {
    /// The identifiers of every migration this version knows, oldest first.
    static var identifiers: [String] {
        [
            "v1-tenants-and-leases", "v2-lease-lookup-digest", "v3-live-lease-count-covering",
            "v4-tenant-active-lease-counts", "v5-audit-anchors",
        ]
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-tenants-and-leases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants (
                        id TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
                        state TEXT NOT NULL CHECK (state IN ('active', 'offboarding', 'offboarded')),
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        wrapped_data_key BLOB
                    ) STRICT;

                    CREATE TABLE leases (
                        id TEXT NOT NULL CHECK (id <> ''),
                        tenant_id TEXT NOT NULL REFERENCES tenants (id),
                        issuer TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        binding TEXT NOT NULL,
                        path TEXT NOT NULL,
                        engine TEXT NOT NULL,
                        issued_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        max_expires_at INTEGER NOT NULL,
                        renewable INTEGER NOT NULL CHECK (renewable IN (0, 1)),
                        state TEXT NOT NULL
                            CHECK (state IN ('pending', 'active', 'revoking', 'revoked', 'irrevocable')),
                        sealed_revocation_handle BLOB,
                        policy_digest TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        revoke_attempts INTEGER NOT NULL CHECK (revoke_attempts >= 0),
                        next_attempt_at INTEGER,
                        last_error TEXT,
                        revoked_at INTEGER,
                        PRIMARY KEY (tenant_id, id)
                    ) STRICT, WITHOUT ROWID;

                    -- Rows are clustered by tenant and id (lookups, the listing cursor, offboarding
                    -- batches touch few pages); calls that name only the lease find it here.
                    CREATE UNIQUE INDEX leases_by_id ON leases (id);

                    -- The indexes below are partial: a lease leaves them when it is revoked, so most
                    -- leases (revoked ones) cost nothing in them, and revoking one only deletes entries.

                    -- A tenant's outstanding leases in id order, for offboarding: one range per batch.
                    CREATE INDEX leases_outstanding_by_tenant ON leases (tenant_id, id)
                        WHERE state IN ('pending', 'active', 'revoking');

                    -- Due work for the sweeper, and live leases per tenant and in total.
                    CREATE INDEX leases_active_by_expiry ON leases (expires_at) WHERE state = 'active';
                    CREATE INDEX leases_active_by_tenant ON leases (tenant_id, expires_at) WHERE state = 'active';
                    CREATE INDEX leases_revoking_by_attempt ON leases (next_attempt_at) WHERE state = 'revoking';
                    CREATE INDEX leases_pending_by_issue ON leases (issued_at) WHERE state = 'pending';
                    CREATE INDEX leases_irrevocable ON leases (tenant_id) WHERE state = 'irrevocable';
                    """)
        }
        migrator.registerMigration("v2-lease-lookup-digest") { db in
            try db.execute(
                sql: """
                    -- The SHA-256 (lower-case hex) of a key the caller presents later, such as an AWS
                    -- access key id; the raw key is never stored. Existing leases get NULL.
                    ALTER TABLE leases ADD COLUMN lookup_digest TEXT
                        CHECK (lookup_digest IS NULL
                            OR (length(lookup_digest) = 64 AND lookup_digest NOT GLOB '*[^0-9a-f]*'));

                    -- One lease per digest; leases without one (most) cost nothing here.
                    CREATE UNIQUE INDEX leases_by_lookup_digest ON leases (lookup_digest)
                        WHERE lookup_digest IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v3-live-lease-count-covering") { db in
            try db.execute(
                sql: """
                    -- Every exchange counts its tenant's live leases (the class's max_leases). With
                    -- `state` in the index the count reads the index alone, never the leases' rows.
                    DROP INDEX leases_active_by_tenant;
                    CREATE INDEX leases_active_by_tenant ON leases (tenant_id, expires_at, state)
                        WHERE state = 'active';
                    """)
        }
        migrator.registerMigration("v4-tenant-active-lease-counts") { db in
            try db.execute(
                sql: """
                    -- An upper bound of each tenant's live leases: every activation adds one, in the
                    -- activating write (SQLiteLeaseStore.activate), and the quota check sets it back to
                    -- the exact count when it has to count (SQLiteLeaseStore.admitIntent).
                    -- Revocations and expiry leave it alone, so they cost nothing here; a quota check
                    -- well under the limit reads one row instead of counting the tenant's leases.
                    CREATE TABLE tenant_active_leases (
                        tenant_id TEXT PRIMARY KEY NOT NULL,
                        active INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    INSERT INTO tenant_active_leases (tenant_id, active)
                        SELECT tenant_id, COUNT(*) FROM leases WHERE state = 'active' GROUP BY tenant_id;
                    """)
        }
        migrator.registerMigration("v5-audit-anchors") { db in
            try db.execute(
                sql: """
                    -- Each audit log's last durable position (sequence and hash), kept outside the log so a
                    -- log cut back behind it is refused at start-up (BrokerAssembly) and by verify.
                    CREATE TABLE audit_anchors (
                        log TEXT PRIMARY KEY NOT NULL,
                        sequence INTEGER NOT NULL,
                        hash TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
