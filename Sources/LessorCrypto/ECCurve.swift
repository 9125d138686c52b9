/// The NIST curves Lessor accepts for ECDSA, named as JWK `crv` names them.
public enum ECCurve: String, Sendable, Hashable {
    case p256 = "P-256"
    case p384 = "P-384"
}

extension ECCurve {
    /// Bytes in one coordinate, and in each half of a JOSE `r||s` signature.
    var coordinateSize: Int {
        switch self {
        case .p256: 32
        case .p384: 48
        }
    }

    /// OpenSSL's canonical group name.
    var groupName: String {
        switch self {
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        }
    }

    init?(groupName: String) {
        switch groupName {
        case "prime256v1", "P-256", "secp256r1": self = .p256
        case "secp384r1", "P-384": self = .p384
        default: return nil
        }
    }
}
