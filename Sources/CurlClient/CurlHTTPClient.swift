internal import Foundation
public import LessorCore

/// A small HTTP client over libcurl for outbound calls: OIDC discovery, JWKS, upstream STS.
public struct CurlHTTPClient: Sendable {
    public init() {}

    /// Runs the transfer off the Swift concurrency pool (`curl_easy_perform` blocks), on a
    /// thread of its own. Non-2xx statuses are returned, not thrown. Cancelling the task aborts
    /// the transfer within about a second.
    public func send(_ request: CurlRequest) async throws(LessorError) -> CurlResponse {
        let cancellation = CurlCancellation()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<CurlResponse, LessorError>, Never>) in
                let thread = Thread {
                    continuation.resume(
                        returning: Result { () throws(LessorError) in
                            try CurlExchange(request: request, cancellation: cancellation).run()
                        })
                }
                thread.name = "lessor-curl"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}
