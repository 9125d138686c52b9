import Foundation
import Hummingbird
import LessorCore
import NIOCore

/// Request bodies, size-limited before parsing. An empty body is an empty JSON object.
/// `RequestBodyLimit` has already read each body within the configured limit and time (one it
/// refused throws its `RequestBodyLimit.Refusal` here); `maxBytes` is the ceiling every route
/// keeps on its own.
enum RequestBody {
    static let maxBytes = 1 << 20

    static func json<Body: Decodable>(_ type: Body.Type, from request: Request) async throws(LessorError) -> Body {
        let bytes = try await collect(request)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Body.self, from: bytes.isEmpty ? Data("{}".utf8) : Data(bytes))
        } catch {
            throw LessorError(.requestInvalid, "the body must be a JSON object: \(Self.describe(error))")
        }
    }

    /// `application/x-www-form-urlencoded` fields; a repeated field is refused.
    static func form(from request: Request) async throws(LessorError) -> [String: String] {
        try form(bytes: try await collect(request))
    }

    /// `form(from:)` over a body already read.
    static func form(bytes: [UInt8]) throws(LessorError) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            guard let name, let value else {
                throw LessorError(.requestInvalid, "the form body is not valid percent-encoding")
            }
            guard fields.updateValue(value, forKey: name) == nil else {
                throw LessorError(.requestInvalid, "form field '\(name.prefix(64))' appears more than once")
            }
        }
        return fields
    }

    /// The raw body, at most `maxBytes`.
    static func collect(_ request: Request) async throws(LessorError) -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: maxBytes)
            return Array(buffer.readableBytesView)
        } catch let refusal as RequestBodyLimit.Refusal {
            throw refusal.error
        } catch is NIOTooManyBytesError {
            throw LessorError(.requestTooLarge, "the request body is larger than \(maxBytes) bytes")
        } catch {
            throw LessorError(.requestInvalid, "the request body is unreadable")
        }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "unreadable JSON"
        }
    }
}
