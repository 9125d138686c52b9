/// The one error type Lessor throws. `code` is stable and machine-readable; `message` says what to
/// fix and never carries key material, tokens or credentials. Equality uses only `code`.
public struct LessorError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, CaseIterable {
            case tokenMalformed = "token_malformed"
            case tokenTooLarge = "token_too_large"
            case tokenExpired = "token_expired"
            case tokenNotYetValid = "token_not_yet_valid"
            case tokenTooOld = "token_too_old"
            case claimMissing = "claim_missing"
            case audienceMismatch = "audience_mismatch"
            case issuerUnknown = "issuer_unknown"
            case issuerMismatch = "issuer_mismatch"
            case issuerUnavailable = "issuer_unavailable"
            case keyUnknown = "key_unknown"
            case keyInvalid = "key_invalid"
            case algorithmNotAllowed = "algorithm_not_allowed"
            case signatureInvalid = "signature_invalid"
            case unsupportedHeader = "unsupported_header"
            case upstreamFailure = "upstream_failure"
            case responseTooLarge = "response_too_large"
            case cryptoFailure = "crypto_failure"
            case configInvalid = "config_invalid"
            case requestInvalid = "request_invalid"
            case unauthenticated = "unauthenticated"
            case internalFailure = "internal_failure"
            case auditUnavailable = "audit_unavailable"
            case auditInvalid = "audit_invalid"
            case permissionDenied = "permission_denied"
            case tenantInactive = "tenant_inactive"
            case leaseNotFound = "lease_not_found"
            case leaseNotRenewable = "lease_not_renewable"
            case storeUnavailable = "store_unavailable"
            case engineFailure = "engine_failure"
            case engineTimeout = "engine_timeout"
            case policyDocumentInvalid = "policy_document_invalid"
            case quotaExceeded = "quota_exceeded"
            case requestTooLarge = "request_too_large"
            case requestTimeout = "request_timeout"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }

        /// Every code, for tables and tests that must cover them all.
        public static var allCases: [Code] { Base.allCases.map(Code.init) }

        /// The broker or something it depends on failed (its store or audit log, an engine, an
        /// upstream, an issuer's keys, its own crypto), as opposed to a request refused for what it
        /// is: a 5xx status on the native API (`APIError`), `failed` in the exchange metrics.
        public var isServerFault: Bool {
            switch base {
            case .issuerUnavailable, .keyInvalid, .upstreamFailure, .responseTooLarge, .cryptoFailure,
                .internalFailure, .auditUnavailable, .auditInvalid, .storeUnavailable, .engineFailure, .engineTimeout:
                true
            default:
                false
            }
        }

        public static let tokenMalformed = Code(.tokenMalformed)
        public static let tokenTooLarge = Code(.tokenTooLarge)
        public static let tokenExpired = Code(.tokenExpired)
        public static let tokenNotYetValid = Code(.tokenNotYetValid)
        public static let tokenTooOld = Code(.tokenTooOld)
        public static let claimMissing = Code(.claimMissing)
        public static let audienceMismatch = Code(.audienceMismatch)
        public static let issuerUnknown = Code(.issuerUnknown)
        /// A discovery document whose `issuer` is not exactly the configured one.
        public static let issuerMismatch = Code(.issuerMismatch)
        public static let issuerUnavailable = Code(.issuerUnavailable)
        public static let keyUnknown = Code(.keyUnknown)
        /// A JWK that cannot be used: wrong shape, too weak, not on its curve.
        public static let keyInvalid = Code(.keyInvalid)
        public static let algorithmNotAllowed = Code(.algorithmNotAllowed)
        public static let signatureInvalid = Code(.signatureInvalid)
        /// `crit` or another header Lessor refuses to process.
        public static let unsupportedHeader = Code(.unsupportedHeader)
        /// An outbound HTTP call failed (connect, TLS, timeout, status, redirect refused).
        public static let upstreamFailure = Code(.upstreamFailure)
        public static let responseTooLarge = Code(.responseTooLarge)
        /// OpenSSL or libsodium failed where it should not; the reason holds the library's error.
        public static let cryptoFailure = Code(.cryptoFailure)
        public static let configInvalid = Code(.configInvalid)
        public static let requestInvalid = Code(.requestInvalid)
        public static let unauthenticated = Code(.unauthenticated)
        public static let internalFailure = Code(.internalFailure)
        /// No audit device could record the event durably: the request must be refused (fail closed).
        public static let auditUnavailable = Code(.auditUnavailable)
        /// An audit log, key or export that cannot be read as written: malformed, torn or tampered.
        public static let auditInvalid = Code(.auditInvalid)
        /// The policy denies the request (or no binding matches): the reason says which rule or binding.
        public static let permissionDenied = Code(.permissionDenied)
        /// The caller's tenant is offboarding or offboarded: nothing is issued, renewed or listed.
        public static let tenantInactive = Code(.tenantInactive)
        /// No such lease for the caller's tenant; another tenant's lease answers exactly the same.
        public static let leaseNotFound = Code(.leaseNotFound)
        /// Renewal refused: not renewable, no longer active, or past its maximum TTL.
        public static let leaseNotRenewable = Code(.leaseNotRenewable)
        /// The lease store could not durably record or read state.
        public static let storeUnavailable = Code(.storeUnavailable)
        /// A credential engine failed to issue, renew or revoke.
        public static let engineFailure = Code(.engineFailure)
        /// The engine answered after the lease's intent had been swept (older than
        /// `leases.pending_grace`): the credential was revoked; retry.
        public static let engineTimeout = Code(.engineTimeout)
        /// A caller-supplied scope-down policy (STS `Policy`) that is not a usable IAM policy document.
        public static let policyDocumentInvalid = Code(.policyDocumentInvalid)
        /// The tenant is over a quota of its class (request rate or live leases): retry later,
        /// after `retryAfter` when the error carries it.
        public static let quotaExceeded = Code(.quotaExceeded)
        /// The request body is larger than the server accepts (`server.max_body_bytes`).
        public static let requestTooLarge = Code(.requestTooLarge)
        /// The request body did not arrive within the server's `server.read_timeout`.
        public static let requestTimeout = Code(.requestTimeout)
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
