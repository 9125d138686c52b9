extension SQLiteLeaseStore {
    static let insertTenant = """
        INSERT INTO tenants (id, state, created_at, updated_at, wrapped_data_key) VALUES (?, 'active', ?, ?, ?)
        ON CONFLICT (id) DO NOTHING
        """

    static let beginOffboarding = """
        INSERT INTO tenants (id, state, created_at, updated_at, wrapped_data_key) VALUES (?, 'offboarding', ?, ?, NULL)
        ON CONFLICT (id) DO UPDATE SET state = 'offboarding', updated_at = excluded.updated_at
        WHERE tenants.state = 'active'
        """

    /// Destroys the wrapped data key with the state change; `secure_delete` zeroes the freed bytes.
    static let finishOffboarding = """
        INSERT INTO tenants (id, state, created_at, updated_at, wrapped_data_key) VALUES (?, 'offboarded', ?, ?, NULL)
        ON CONFLICT (id) DO UPDATE SET state = 'offboarded', updated_at = excluded.updated_at, wrapped_data_key = NULL
        WHERE tenants.state <> 'offboarded' OR tenants.wrapped_data_key IS NOT NULL
        """

    /// The intent, if its tenant is active and the counter row (`tenant_active_leases`, which only
    /// rises between exact counts) is under the limit: `?2` is the lease's tenant, the last `?` the limit.
    static let insertAdmittedIntent = """
        INSERT INTO leases (\(LeaseRow.columns))
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
        WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?2 AND state = 'active')
            AND COALESCE((SELECT active FROM tenant_active_leases WHERE tenant_id = ?2), 0) < ?
        """

    static let activate = """
        UPDATE leases SET state = 'active', sealed_revocation_handle = ?, lookup_digest = ?
        WHERE id = ? AND state = 'pending'
            AND EXISTS (SELECT 1 FROM tenants WHERE tenants.id = leases.tenant_id AND tenants.state = 'active')
        RETURNING tenant_id
        """

    /// Not a trigger: any UPDATE trigger on `leases` makes SQLite collect the rows of every
    /// update first, which nearly doubled the time of offboarding a tenant.
    static let countActivation = """
        INSERT INTO tenant_active_leases (tenant_id, active) VALUES (?, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET active = active + 1
        """

    static let selectLease = "SELECT \(LeaseRow.columns) FROM leases WHERE id = ? AND tenant_id = ?"

    /// `lookup_digest = ?` implies `IS NOT NULL`, so SQLite uses the partial unique index.
    static let selectLeaseByLookupDigest = "SELECT \(LeaseRow.columns) FROM leases WHERE lookup_digest = ?"

    static let selectLeases = """
        SELECT \(LeaseRow.columns) FROM leases WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?
        """

    static let selectLeasesOfBinding = """
        SELECT \(LeaseRow.columns) FROM leases
        WHERE tenant_id = ? AND binding = ? AND id > ? ORDER BY id LIMIT ?
        """

    static let extend = """
        UPDATE leases SET expires_at = ?
        WHERE id = ? AND tenant_id = ? AND state = 'active' AND expires_at > ? AND max_expires_at >= ?
        RETURNING \(LeaseRow.columns)
        """

    /// The ids come as one JSON array; with the tenant named, each is found by the primary key.
    static let markRevoked = """
        UPDATE leases SET state = 'revoked', next_attempt_at = NULL, revoked_at = ?
        WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?)) AND state IN \(LeaseRow.outstandingStates)
        """

    static let recordRevocationFailure = """
        UPDATE leases SET state = ?, revoke_attempts = ?, next_attempt_at = ?, last_error = ?
        WHERE id = ? AND state IN \(LeaseRow.outstandingStates)
        """

    /// Retries due first, then expired active leases, then intents never answered; a lease held
    /// by an earlier claim is skipped until its hold ends.
    static let selectDue = """
        SELECT \(LeaseRow.columns) FROM leases WHERE state = 'revoking' AND next_attempt_at <= ?
        UNION ALL
        SELECT \(LeaseRow.columns) FROM leases
        WHERE state = 'active' AND expires_at <= ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
        UNION ALL
        SELECT \(LeaseRow.columns) FROM leases
        WHERE state = 'pending' AND issued_at < ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
        LIMIT ?
        """

    static let hold = "UPDATE leases SET next_attempt_at = ? WHERE id = ?"

    static let selectOutstanding = """
        SELECT \(LeaseRow.columns) FROM leases
        WHERE tenant_id = ? AND state IN \(LeaseRow.outstandingStates) AND id > ? ORDER BY id LIMIT ?
        """

    static let countLive = """
        SELECT COUNT(*) FROM leases WHERE tenant_id = ? AND state = 'active' AND expires_at > ?
        """

    static let resetActiveCount = "UPDATE tenant_active_leases SET active = ? WHERE tenant_id = ?"

    static let countLiveUpTo = """
        SELECT COUNT(*) FROM (
            SELECT 1 FROM leases WHERE tenant_id = ? AND state = 'active' AND expires_at > ? LIMIT ?
        )
        """

    static let statistics = """
        SELECT
            (SELECT COUNT(*) FROM leases WHERE state = 'active' AND expires_at > ?1),
            (SELECT COUNT(*) FROM leases WHERE state = 'active' AND expires_at <= ?1)
                + (SELECT COUNT(*) FROM leases WHERE state = 'revoking'),
            (SELECT COUNT(*) FROM leases WHERE state = 'irrevocable')
        """

    static let selectAuditAnchor = "SELECT sequence, hash FROM audit_anchors WHERE log = ?"

    /// Moves the anchor forward only: a late write of an older position never rewinds it.
    static let advanceAuditAnchor = """
        INSERT INTO audit_anchors (log, sequence, hash, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (log) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash,
            updated_at = excluded.updated_at
        WHERE excluded.sequence > audit_anchors.sequence
        """

    static let replaceAuditAnchor = """
        INSERT INTO audit_anchors (log, sequence, hash, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (log) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash,
            updated_at = excluded.updated_at
        """
}
