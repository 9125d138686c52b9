internal import CCurl
internal import LessorCore

/// libcurl's process-wide initialisation, run once before the first handle is made.
enum CurlGlobal {
    private static let result: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    static func ensureInitialized() throws(LessorError) {
        guard result == CURLE_OK else {
            throw LessorError(
                .internalFailure, "libcurl could not be initialised: \(String(cString: curl_easy_strerror(result)))")
        }
    }
}
