/// The kind of an asymmetric key, with the size or curve that decides which algorithms fit it.
public enum KeyFamily: Sendable, Hashable {
    case rsa(bits: Int)
    case ec(ECCurve)
    case ed25519
}

extension KeyFamily {
    /// A short name for messages, such as "RSA-2048" or "EC P-256".
    var displayName: String {
        switch self {
        case .rsa(let bits): "RSA-\(bits)"
        case .ec(let curve): "EC \(curve.rawValue)"
        case .ed25519: "Ed25519"
        }
    }
}
