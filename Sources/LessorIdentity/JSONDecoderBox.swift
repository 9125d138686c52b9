import Foundation

/// Decodes trusted-shape documents (discovery, JWKS) that come from configured IdPs.
enum JSONDecoderBox {
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
