internal import CCurl
internal import LessorCore

/// Owns one `CURL *` easy handle, its error buffer, and the header list it was given.
final class CurlEasyHandle {
    let pointer: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: CurlHeaderList?

    init() throws(LessorError) {
        try CurlGlobal.ensureInitialized()
        guard let pointer = curl_easy_init() else {
            throw LessorError(.internalFailure, "libcurl could not allocate an easy handle")
        }
        self.pointer = pointer
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try check(ccurl_setopt_pointer(pointer, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
    }

    deinit {
        curl_easy_cleanup(pointer)
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws(LessorError) {
        try check(ccurl_setopt_long(pointer, option, value), option)
    }

    /// curl copies string options, so `value` need not outlive the call. nil resets the option.
    func set(_ option: CURLoption, _ value: String?) throws(LessorError) {
        let code =
            if let value { value.withCString { ccurl_setopt_string(pointer, option, $0) } } else {
                ccurl_setopt_string(pointer, option, nil)
            }
        try check(code, option)
    }

    func set(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) throws(LessorError) {
        try check(ccurl_setopt_pointer(pointer, option, value), option)
    }

    /// Keeps `list` alive for as long as this handle.
    func setHeaders(_ list: CurlHeaderList) throws(LessorError) {
        headerList = list
        try check(ccurl_setopt_slist(pointer, CURLOPT_HTTPHEADER, list.pointer), CURLOPT_HTTPHEADER)
    }

    func check(_ code: CURLcode, _ option: CURLoption) throws(LessorError) {
        guard code == CURLE_OK else {
            throw LessorError(
                .internalFailure,
                "libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// Blocks until the transfer ends.
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(pointer)
    }

    /// curl's detailed error text for the last transfer, or its generic text for `code`.
    func errorText(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    func info(_ info: CURLINFO) -> Int {
        var value = 0
        return ccurl_getinfo_long(pointer, info, &value) == CURLE_OK ? value : 0
    }

    func info(offset info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        return ccurl_getinfo_off_t(pointer, info, &value) == CURLE_OK ? Int64(value) : 0
    }
}
