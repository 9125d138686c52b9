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
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}
