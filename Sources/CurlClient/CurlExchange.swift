internal import LessorCore

/// Carries out one `CurlRequest` synchronously: transfers hop by hop, following only
/// same-origin redirects, within one overall deadline.
struct CurlExchange {
    let request: CurlRequest
    let cancellation: CurlCancellation

    private static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    func run() throws(LessorError) -> CurlResponse {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: request.totalTimeout)
        var url = try CurlURL(parsing: request.url)
        var answeredURL = request.url
        var method = request.method
        var headers = request.headers
        var body = request.body
        var redirects = 0
        try checkScheme(of: url, method: method)
        guard request.clientKeyPath == nil || request.clientCertificatePath != nil else {
            throw LessorError(
                .requestInvalid,
                "a client key was given without its client certificate: pass the certificate too (clientCertificatePath)"
            )
        }

        while true {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw LessorError(
                    .upstreamFailure,
                    "\(method.rawValue) \(url.redacted) timed out after \(request.totalTimeout.clampedMilliseconds) ms (the total timeout)"
                )
            }
            guard !cancellation.isCancelled else {
                throw LessorError(.upstreamFailure, "\(method.rawValue) \(url.redacted) was cancelled")
            }
            let outcome = try CurlTransfer(
                url: url, method: method, headerLines: CurlRequestHeaders.lines(for: headers), body: body,
                caBundlePath: request.caBundlePath, clientCertificatePath: request.clientCertificatePath,
                clientKeyPath: request.clientKeyPath, allowPlainHTTP: request.allowPlainHTTP,
                connectTimeout: request.connectTimeout, remaining: remaining, totalTimeout: request.totalTimeout,
                maxResponseBytes: request.maxResponseBytes, cancellation: cancellation
            ).perform()

            guard Self.redirectStatuses.contains(outcome.status), let location = outcome.headers["location"] else {
                return CurlResponse(
                    status: outcome.status, headers: outcome.headers, body: outcome.body, url: answeredURL)
            }
            let prefix = "\(method.rawValue) \(url.redacted)"
            let next: CurlURL
            do {
                next = try url.resolving(location)
            } catch {
                throw LessorError(.upstreamFailure, "\(prefix) was redirected (\(outcome.status)) to an invalid URL")
            }
            guard next.origin == url.origin else {
                throw LessorError(
                    .upstreamFailure,
                    "\(prefix) was redirected (\(outcome.status)) to another origin, \(next.redacted); refused")
            }
            guard redirects < request.maxRedirects else {
                let limit =
                    request.maxRedirects <= 0
                    ? "redirects are not allowed" : "more than \(request.maxRedirects) redirects"
                throw LessorError(
                    .upstreamFailure, "\(prefix) was redirected (\(outcome.status)) to \(next.redacted); \(limit)")
            }
            redirects += 1
            if outcome.status == 303 || (method == .post && (outcome.status == 301 || outcome.status == 302)) {
                // As browsers and curl do: the next hop is a GET without the body.
                method = .get
                body = nil
                headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
            }
            url = next
            answeredURL = next.string
        }
    }

    private func checkScheme(of url: CurlURL, method: CurlRequest.Method) throws(LessorError) {
        let scheme = url.origin.scheme
        guard scheme == "https" || (scheme == "http" && request.allowPlainHTTP) else {
            let why = scheme == "http" ? "plain http is not allowed" : "the scheme \(scheme) is not allowed"
            throw LessorError(.upstreamFailure, "\(method.rawValue) \(url.redacted): \(why); use https")
        }
    }
}
