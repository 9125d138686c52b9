import Hummingbird
import LessorCore
import Testing

@testable import LessorHTTP

/// Every code through the three wire protocols: the native JSON API, RFC 8693 and the STS Query
/// API. Each maps codes by an exhaustive `switch`; this checks that the three agree on what is
/// the server's fault.
@Suite("Errors on the wire: every code on every protocol")
struct APIErrorTests {
    static let codes = LessorError.Code.allCases

    static func native(_ code: LessorError.Code) -> Int {
        Int(APIError(LessorError(code, "what to fix"), requestID: "request").status.code)
    }

    static func tokenExchange(_ code: LessorError.Code) -> TokenExchangeController.Refusal {
        TokenExchangeController.Refusal("invalid_grant", LessorError(code, "what to fix"))
    }

    @Test("A code answers 5xx natively exactly when it is a server fault, the set the exchange metrics count as failed")
    func serverFaultsAre5xx() {
        #expect(Self.codes.count == Set(Self.codes).count && Self.codes.count >= 30, "every code, once")
        for code in Self.codes {
            #expect((Self.native(code) >= 500) == code.isServerFault, "\(code) answers \(Self.native(code))")
        }
        #expect(LessorError.Code.responseTooLarge.isServerFault, "an upstream's oversized answer is not the caller's")
        #expect(LessorError.Code.configInvalid.isServerFault, "the broker's own configuration is not the caller's")
        #expect(!LessorError.Code.quotaExceeded.isServerFault && !LessorError.Code.tokenExpired.isServerFault)
    }

    @Test("RFC 8693 answers 5xx exactly for server faults; the caller's own errors keep the route's error code")
    func tokenExchangeAgrees() {
        for code in Self.codes {
            let refusal = Self.tokenExchange(code)
            #expect((refusal.status.code >= 500) == code.isServerFault, "\(code) answers \(refusal.status.code)")
            if code.isServerFault {
                #expect(["server_error", "temporarily_unavailable"].contains(refusal.code), "\(code)")
                #expect(!refusal.description.contains("what to fix"), "\(code): a server fault's detail stays inside")
            }
        }
        #expect(Self.tokenExchange(.quotaExceeded).status == .tooManyRequests)
        #expect(Self.tokenExchange(.tokenExpired).code == "invalid_grant")
    }

    @Test("STS answers 5xx for every server fault but an unreachable IdP, which AWS answers 400 IDPCommunicationError")
    func stsAgrees() {
        for code in Self.codes {
            for (name, answer) in [
                ("AssumeRoleWithWebIdentity", STSError.assumeRole(LessorError(code, "what to fix"))),
                ("GetCallerIdentity", STSError.signed(LessorError(code, "what to fix"))),
            ] {
                let serverFault = code.isServerFault && code != .issuerUnavailable
                #expect((answer.status.code >= 500) == serverFault, "\(name): \(code) answers \(answer.status.code)")
                #expect(answer.type == (serverFault ? "Receiver" : "Sender"), "\(name): \(code)")
            }
        }
        #expect(STSError.assumeRole(LessorError(.issuerUnavailable, "down")).code == "IDPCommunicationError")
        #expect(STSError.assumeRole(LessorError(.tokenExpired, "old")).code == "ExpiredTokenException")
        #expect(STSError.signed(LessorError(.tokenExpired, "old")).code == "ExpiredToken")
        #expect(STSError.assumeRole(LessorError(.quotaExceeded, "slow down")).code == "Throttling")
    }
}
