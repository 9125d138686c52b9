internal import CCurl
internal import LessorCore

/// One request and its response on a fresh easy handle. curl follows no redirects here.
struct CurlTransfer {
    struct Outcome {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
    }

    let url: CurlURL
    let method: CurlRequest.Method
    /// Complete header lines, already checked by `CurlRequestHeaders`.
    let headerLines: [String]
    let body: [UInt8]?
    let caBundlePath: String?
    let clientCertificatePath: String?
    let clientKeyPath: String?
    let allowPlainHTTP: Bool
    let connectTimeout: Duration
    /// What is left of the exchange's total timeout.
    let remaining: Duration
    /// The exchange's configured total timeout, for messages.
    let totalTimeout: Duration
    let maxResponseBytes: Int
    let cancellation: CurlCancellation

    func perform() throws(LessorError) -> Outcome {
        let handle = try CurlEasyHandle()
        let sink = CurlResponseSink(maxBodyBytes: maxResponseBytes, cancellation: cancellation)
        try configure(handle, sink: sink)
        let code = withExtendedLifetime(sink) { handle.perform() }

        if sink.exceededLimit {
            throw LessorError(
                .responseTooLarge,
                "\(method.rawValue) \(url.redacted): the response body exceeds the limit of \(max(0, maxResponseBytes)) bytes"
            )
        }
        guard code == CURLE_OK else { throw failure(code, handle: handle) }
        return Outcome(status: handle.info(CURLINFO_RESPONSE_CODE), headers: sink.headers, body: sink.body)
    }

    private func configure(_ handle: CurlEasyHandle, sink: CurlResponseSink) throws(LessorError) {
        try handle.set(CURLOPT_URL, url.string)
        try handle.set(CURLOPT_PROTOCOLS_STR, allowPlainHTTP ? "http,https" : "https")
        try handle.set(CURLOPT_NOSIGNAL, 1)
        try handle.set(CURLOPT_FOLLOWLOCATION, 0)
        try handle.set(CURLOPT_SSL_VERIFYPEER, 1)
        try handle.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundlePath {
            // Trust only the bundle: no system CA directory next to it.
            try handle.set(CURLOPT_CAINFO, caBundlePath)
            try handle.set(CURLOPT_CAPATH, nil as String?)
        }
        if let clientCertificatePath {
            try handle.set(CURLOPT_SSLCERT, clientCertificatePath)
            try handle.set(CURLOPT_SSLKEY, clientKeyPath ?? clientCertificatePath)
        }
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, max(1, min(connectTimeout, remaining).clampedMilliseconds))
        try handle.set(CURLOPT_TIMEOUT_MS, max(1, remaining.clampedMilliseconds))
        try handle.setHeaders(CurlHeaderList(lines: headerLines))

        switch method {
        case .get:
            try handle.set(CURLOPT_HTTPGET, 1)
        case .post:
            let bytes = body ?? []
            try handle.set(CURLOPT_POST, 1)
            try handle.set(CURLOPT_POSTFIELDSIZE, bytes.count)
            // The trailing zero keeps the buffer non-empty; curl copies only `bytes.count` bytes.
            let code = (bytes + [0]).withUnsafeBytes {
                ccurl_setopt_pointer(
                    handle.pointer, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
            }
            try handle.check(code, CURLOPT_COPYPOSTFIELDS)
        }

        let context = Unmanaged.passUnretained(sink).toOpaque()
        try handle.check(
            ccurl_setopt_write_callback(handle.pointer) { data, size, count, context in
                let length = size * count
                guard let data, let context else { return 0 }
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context).takeUnretainedValue()
                return sink.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            },
            CURLOPT_WRITEFUNCTION)
        try handle.check(
            ccurl_setopt_header_callback(handle.pointer) { data, size, count, context in
                let length = size * count
                guard let data, let context else { return 0 }
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context).takeUnretainedValue()
                return sink.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            },
            CURLOPT_HEADERFUNCTION)
        try handle.check(
            ccurl_setopt_xferinfo_callback(handle.pointer) { context, _, _, _, _ in
                guard let context else { return 0 }
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context).takeUnretainedValue()
                return sink.cancellation.isCancelled ? 1 : 0
            },
            CURLOPT_XFERINFOFUNCTION)
        try handle.set(CURLOPT_WRITEDATA, context)
        try handle.set(CURLOPT_HEADERDATA, context)
        try handle.set(CURLOPT_XFERINFODATA, context)
        try handle.set(CURLOPT_NOPROGRESS, 0)
    }

    private func failure(_ code: CURLcode, handle: CurlEasyHandle) -> LessorError {
        let prefix = "\(method.rawValue) \(url.redacted)"
        let detail = handle.errorText(for: code)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            // Nothing transferred yet means the connect phase (TCP and TLS) ran out of time.
            let connecting = handle.info(offset: CURLINFO_PRETRANSFER_TIME_T) == 0
            if connecting && connectTimeout < remaining {
                return LessorError(
                    .upstreamFailure,
                    "\(prefix) timed out connecting after \(connectTimeout.clampedMilliseconds) ms (the connect timeout)"
                )
            }
            return LessorError(
                .upstreamFailure,
                "\(prefix) timed out after \(totalTimeout.clampedMilliseconds) ms (the total timeout)")
        case CURLE_ABORTED_BY_CALLBACK where cancellation.isCancelled:
            return LessorError(.upstreamFailure, "\(prefix) was cancelled")
        case CURLE_UNSUPPORTED_PROTOCOL:
            return LessorError(.upstreamFailure, "\(prefix): the scheme is not allowed (\(detail))")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            return LessorError(.upstreamFailure, "\(prefix): could not connect (\(detail))")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return LessorError(.upstreamFailure, "\(prefix): TLS failure (\(detail))")
        default:
            return LessorError(.upstreamFailure, "\(prefix) failed (\(detail))")
        }
    }
}
