/// The JWS signature algorithms Lessor accepts. `none` and the HMAC algorithms are absent on
/// purpose, so `init(rawValue:)` refuses them.
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable, Hashable {
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case ps256 = "PS256"
    case ps384 = "PS384"
    case ps512 = "PS512"
    case es256 = "ES256"
    case es384 = "ES384"
    case edDSA = "EdDSA"
}

extension JWSAlgorithm {
    /// The hash the algorithm signs; nil for EdDSA, which hashes internally.
    var messageDigest: MessageDigest? {
        switch self {
        case .rs256, .ps256, .es256: .sha256
        case .rs384, .ps384, .es384: .sha384
        case .rs512, .ps512: .sha512
        case .edDSA: nil
        }
    }

    var usesPSS: Bool {
        switch self {
        case .ps256, .ps384, .ps512: true
        default: false
        }
    }

    /// The curve an ECDSA algorithm requires; nil for the others.
    var curve: ECCurve? {
        switch self {
        case .es256: .p256
        case .es384: .p384
        default: nil
        }
    }

    /// Whether a key of `family` can produce or check this algorithm's signatures.
    func fits(_ family: KeyFamily) -> Bool {
        switch (self, family) {
        case (.rs256, .rsa), (.rs384, .rsa), (.rs512, .rsa),
            (.ps256, .rsa), (.ps384, .rsa), (.ps512, .rsa):
            true
        case (.es256, .ec(.p256)), (.es384, .ec(.p384)):
            true
        case (.edDSA, .ed25519):
            true
        default:
            false
        }
    }

    /// The position in `allCases`, for tables indexed by algorithm.
    var index: Int {
        switch self {
        case .rs256: 0
        case .rs384: 1
        case .rs512: 2
        case .ps256: 3
        case .ps384: 4
        case .ps512: 5
        case .es256: 6
        case .es384: 7
        case .edDSA: 8
        }
    }
}
