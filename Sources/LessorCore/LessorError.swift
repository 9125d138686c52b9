/// The one error type Lessor throws. `code` is stable and machine-readable; `message` says what to
/// fix and never carries key material, tokens or credentials. Equality uses only `code`.
public struct LessorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable code. Each wire protocol maps every code by one exhaustive
    /// `switch` (the native status in `APIError`, the RFC 8693 error, the STS error), so a code
    /// added here does not compile until all three answer it.
    public enum Code: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case tokenMalformed = "token_malformed"
        case tokenTooLarge = "token_too_large"
        case tokenExpired = "token_expired"
        case tokenNotYetValid = "token_not_yet_valid"
        case tokenTooOld = "token_too_old"
        case claimMissing = "claim_missing"
        case audienceMismatch = "audience_mismatch"
        case issuerUnknown = "issuer_unknown"
        /// A discovery document whose `issuer` is not exactly the configured one.
        case issuerMismatch = "issuer_mismatch"
        case issuerUnavailable = "issuer_unavailable"
        case keyUnknown = "key_unknown"
        /// A JWK that cannot be used: wrong shape, too weak, not on its curve.
        case keyInvalid = "key_invalid"
        case algorithmNotAllowed = "algorithm_not_allowed"
        case signatureInvalid = "signature_invalid"
        /// `crit` or another header Lessor refuses to process.
        case unsupportedHeader = "unsupported_header"
        /// An outbound HTTP call failed (connect, TLS, timeout, status, redirect refused).
        case upstreamFailure = "upstream_failure"
        case responseTooLarge = "response_too_large"
        /// OpenSSL or libsodium failed where it should not; the reason holds the library's error.
        case cryptoFailure = "crypto_failure"
        case configInvalid = "config_invalid"
        case requestInvalid = "request_invalid"
        case unauthenticated = "unauthenticated"
        case internalFailure = "internal_failure"
        /// No audit device could record the event durably: the request must be refused (fail closed).
        case auditUnavailable = "audit_unavailable"
        /// An audit log, key or export that cannot be read as written: malformed, torn or tampered.
        case auditInvalid = "audit_invalid"
        /// The policy denies the request (or no binding matches): the reason says which rule or binding.
        case permissionDenied = "permission_denied"
        /// The caller's tenant is offboarding or offboarded: nothing is issued, renewed or listed.
        case tenantInactive = "tenant_inactive"
        /// No such lease for the caller's tenant; another tenant's lease answers exactly the same.
        case leaseNotFound = "lease_not_found"
        /// Renewal refused: not renewable, no longer active, or past its maximum TTL.
        case leaseNotRenewable = "lease_not_renewable"
        /// The lease store could not durably record or read state.
        case storeUnavailable = "store_unavailable"
        /// A credential engine failed to issue, renew or revoke.
        case engineFailure = "engine_failure"
        /// The engine answered after the lease's intent had been swept (older than
        /// `leases.pending_grace`): the credential was revoked; retry.
        case engineTimeout = "engine_timeout"
        /// A caller-supplied scope-down policy (STS `Policy`) that is not a usable IAM policy document.
        case policyDocumentInvalid = "policy_document_invalid"
        /// The tenant is over a quota of its class (request rate or live leases): retry later,
        /// after `retryAfter` when the error carries it.
        case quotaExceeded = "quota_exceeded"
        /// The request body is larger than the server accepts (`server.max_body_bytes`).
        case requestTooLarge = "request_too_large"
        /// The request body did not arrive within the server's `server.read_timeout`.
        case requestTimeout = "request_timeout"

        public var description: String { rawValue }

        /// The broker or something it depends on failed (its store or audit log, an engine, an
        /// upstream, an issuer's keys, its own crypto), as opposed to a request refused for what it
        /// is: a 5xx status on the native API (`APIError`), `failed` in the exchange metrics.
        public var isServerFault: Bool {
            switch self {
            case .issuerUnavailable, .keyInvalid, .upstreamFailure, .responseTooLarge, .cryptoFailure, .configInvalid,
                .internalFailure, .auditUnavailable, .auditInvalid, .storeUnavailable, .engineFailure, .engineTimeout:
                true
            case .tokenMalformed, .tokenTooLarge, .tokenExpired, .tokenNotYetValid, .tokenTooOld, .claimMissing,
                .audienceMismatch, .issuerUnknown, .issuerMismatch, .keyUnknown, .algorithmNotAllowed,
                .signatureInvalid,
                .unsupportedHeader, .requestInvalid, .unauthenticated, .permissionDenied, .tenantInactive,
                .leaseNotFound,
                .leaseNotRenewable, .policyDocumentInvalid, .quotaExceeded, .requestTooLarge, .requestTimeout:
                false
            }
        }
    }

    public let code: Code
    /// Safe to show to the caller: what is wrong and what to fix.
    public let message: String
    /// Where it was raised, for operators.
    public let location: String
    /// When a retry can succeed, if known (a throttled request); not part of equality.
    public let retryAfter: Duration?

    public init(
        _ code: Code, _ message: String, retryAfter: Duration? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.location = "\(file):\(line)"
    }

    /// `retryAfter` as HTTP's `Retry-After` takes it: whole seconds, rounded up, at least 1.
    public var retryAfterSeconds: Int? {
        retryAfter.map { delay in
            let parts = delay.components
            return max(1, Int(parts.seconds) + (parts.attoseconds > 0 ? 1 : 0))
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code.rawValue): \(message)" }
}
