public import Foundation
public import LessorCore

/// Checks a SigV4-signed request the way an AWS service does: the `Authorization` header's
/// scope, the signed `Host` and `X-Amz-Date`, the request time against the clock, and the
/// signature recomputed from the secret (compared in constant time). Use
/// `SigV4Authorization(parsing:)` first to learn which access key (and so which secret) to use.
public struct SigV4Verifier: Sendable {
    /// The service the request must be scoped to (`sts`).
    public let service: String
    /// How far the request time may be from now, either way (AWS allows 15 minutes).
    public let maxClockSkew: Duration

    public init(service: String, maxClockSkew: Duration = .seconds(900)) {
        self.service = service
        self.maxClockSkew = maxClockSkew
    }

    /// Returns the request's authorization when its signature is right for `secretAccessKey`.
    /// A malformed or incomplete signature throws `.requestInvalid`; a wrong one, a time outside
    /// the skew, a scope for another day or service, or a body that does not match its signed
    /// hash throws `.signatureInvalid`. Messages never contain the secret or the signatures.
    @discardableResult
    public func verify(_ request: SigV4Request, secretAccessKey: String, now: Date) throws(LessorError)
        -> SigV4Authorization
    {
        let headers = request.values(of: "authorization")
        guard headers.count == 1 else {
            throw LessorError(.requestInvalid, "the request needs exactly one AWS4-HMAC-SHA256 Authorization header")
        }
        let authorization = try SigV4Authorization(parsing: headers[0])
        guard authorization.signedHeaders.contains("host"), authorization.signedHeaders.contains("x-amz-date") else {
            throw LessorError(.requestInvalid, "the signature must cover the Host and X-Amz-Date headers")
        }
        guard let amzDate = request.value(of: "x-amz-date"), let time = SigV4.parseAmzDate(amzDate) else {
            throw LessorError(.requestInvalid, "the request needs one X-Amz-Date header in the form YYYYMMDDTHHMMSSZ")
        }
        guard authorization.scope.service == service else {
            throw LessorError(
                .signatureInvalid,
                "the credential scope names service '\(authorization.scope.service.prefix(64))', not '\(service)'")
        }
        guard authorization.scope.date == String(amzDate.prefix(8)) else {
            throw LessorError(.signatureInvalid, "the credential scope date is not the day of X-Amz-Date")
        }
        guard abs(time.timeIntervalSince(now)) <= maxClockSkew.timeIntervalValue else {
            throw LessorError(
                .signatureInvalid,
                "the request time \(amzDate) is more than \(maxClockSkew.components.seconds) s from the server's time")
        }
        let payloadHash = SigV4.payloadHash(of: request)
        if let claimed = request.value(of: "x-amz-content-sha256"), claimed != payloadHash {
            throw LessorError(.signatureInvalid, "the body does not match its X-Amz-Content-SHA256 hash")
        }
        let expected = SigV4.signature(
            of: request, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash, amzDate: amzDate,
            scope: authorization.scope, secretAccessKey: secretAccessKey)
        guard ConstantTime.equal(Array(expected.utf8), Array(authorization.signature.utf8)) else {
            throw LessorError(.signatureInvalid, "the request signature does not match")
        }
        return authorization
    }
}

extension Duration {
    fileprivate var timeIntervalValue: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
