internal import CCurl
internal import LessorCore

/// Owns a `curl_slist` of request header lines; it must outlive the transfer that uses it.
final class CurlHeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    /// `lines` are complete header lines such as `Accept: application/json`.
    init(lines: [String]) throws(LessorError) {
        for line in lines {
            guard let next = curl_slist_append(pointer, line) else {
                throw LessorError(.internalFailure, "libcurl could not allocate a header list")
            }
            pointer = next
        }
    }

    deinit { curl_slist_free_all(pointer) }
}
