import Hummingbird
import LessorCore
import LessorHTTP
import Testing

@Suite("API errors: the status of each code")
struct APIErrorTests {
    @Test("A code answers 5xx exactly when it is a server fault, the set the exchange metrics count as failed")
    func serverFaultsAre5xx() {
        let codes = LessorError.Code.allCases
        #expect(codes.count == Set(codes).count && codes.count >= 30, "every code, once: \(codes)")
        for code in codes {
            let status = APIError(LessorError(code, "what to fix"), requestID: "request").status
            #expect((status.code >= 500) == code.isServerFault, "\(code) answers \(status.code)")
        }
        #expect(LessorError.Code.responseTooLarge.isServerFault, "an upstream's oversized answer is not the caller's")
        #expect(!LessorError.Code.quotaExceeded.isServerFault && !LessorError.Code.tokenExpired.isServerFault)
    }
}
