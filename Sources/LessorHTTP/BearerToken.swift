import Foundation
import Hummingbird
import LessorCore

/// Reads `Authorization: Bearer <token>`; anything else is `unauthenticated`.
enum BearerToken {
    static func from(_ request: Request) throws(LessorError) -> String {
        guard let value = request.headers[.authorization] else {
            throw LessorError(.unauthenticated, "send the service-account token as 'Authorization: Bearer <token>'")
        }
        let scheme = value.prefix(7)
        guard scheme.lowercased() == "bearer ", value.count > 7 else {
            throw LessorError(.unauthenticated, "the Authorization header must use the Bearer scheme")
        }
        // Spaces and tabs trimmed on the UTF-8 view: Foundation's trimming costs more than the rest of the parse.
        let token = value.utf8.dropFirst(7).drop { $0 == 0x20 || $0 == 0x09 }
        var end = token.endIndex
        while end > token.startIndex, let last = token[..<end].last, last == 0x20 || last == 0x09 {
            end = token.index(before: end)
        }
        return String(decoding: token[..<end], as: UTF8.self)
    }
}
