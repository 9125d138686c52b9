import Foundation
import LessorCore
import LessorTestSupport
import Testing

/// Quotas as a real `lessor server` answers them: tenant hooli's class allows 1 request/s with a
/// burst of 2, so a few back-to-back requests are enough to be throttled on any machine.
@Suite("Quotas over HTTP on a real broker process", .serialized)
struct QuotaHTTPTests {
    static let attempts = 20

    @Test(
        "Over its rate a tenant gets 429 with Retry-After from the API and /v1/token, STS Throttling; others are served"
    )
    func throttled() async throws {
        try await BrokerUnderTest.run { broker in
            let hooli = try broker.issuer.workload("hooli")
            var refused: [String] = []

            let native = try await Self.firstRefusal { try await broker.endpoint.exchange(hooli) }
            #expect(native.status == 429, "\(native.text)")
            #expect(native.errorCode == "quota_exceeded", "\(native.text)")
            #expect(native.headers["retry-after"] == "1")
            #expect(native.json?["error"]?["message"]?.stringValue?.contains("requests/s") == true)
            refused.append(try #require(native.requestID))

            let rfc8693 = try await Self.firstRefusal {
                try await TokenExchangeHTTPTests.post(
                    broker, TokenExchangeHTTPTests.exchange(subject: hooli, audience: "app"))
            }
            #expect(rfc8693.status == 429, "\(rfc8693.text)")
            #expect(rfc8693.json?["error"]?.stringValue == "temporarily_unavailable", "\(rfc8693.text)")
            #expect(rfc8693.headers["retry-after"] == "1")
            refused.append(try #require(rfc8693.requestID))

            let form = [
                "Version=2011-06-15", "Action=AssumeRoleWithWebIdentity",
                "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdeployer", "RoleSessionName=quota-test",
                "WebIdentityToken=\(hooli)",
            ].joined(separator: "&")
            let sts = try await Self.firstRefusal(allowed: 403) {
                try await broker.endpoint.send(
                    "/sts", token: nil, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array(form.utf8))
            }
            #expect(sts.status == 400, "\(sts.text)")
            #expect(sts.headers["content-type"]?.hasPrefix("text/xml") == true)
            #expect(sts.text.contains("<ErrorResponse"), "\(sts.text)")
            #expect(sts.text.contains("<Type>Sender</Type>"), "\(sts.text)")
            #expect(sts.text.contains("<Code>Throttling</Code>"), "\(sts.text)")
            #expect(sts.text.contains("over its request rate"), "\(sts.text)")
            #expect(sts.headers["retry-after"] == "1")
            refused.append(try #require(Self.element("RequestId", in: sts.text)))

            let acme = try await broker.endpoint.exchange(try broker.issuer.workload("acme"))
            #expect(acme.status == 200, "another tenant is served: \(acme.text)")

            let audit = try await broker.stopAndReadAudit()
            for id in refused {
                let records = audit[id] ?? []
                #expect(records.count == 1, "request \(id): \(records)")
                #expect(records.first?["decision"]?.stringValue == "deny")
                #expect(records.first?["tenant_id"]?.stringValue == "hooli")
                #expect(records.first?["reason"]?.stringValue?.hasPrefix("quota_exceeded: ") == true)
                #expect(records.first?["details"]?["quota"]?.stringValue == "rate_limit")
            }
        }
    }

    /// Sends until an answer is neither 200 nor `allowed` (what the request gets within the rate),
    /// and returns it.
    static func firstRefusal(allowed: Int = 200, _ send: () async throws -> HTTPEndpoint.Reply) async throws
        -> HTTPEndpoint.Reply
    {
        for _ in 0..<attempts {
            let reply = try await send()
            guard reply.status == 200 || reply.status == allowed else { return reply }
        }
        throw LessorError(.internalFailure, "\(attempts) requests at 1/s with burst 2 were never throttled")
    }

    static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"),
            let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
