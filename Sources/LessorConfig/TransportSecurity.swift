public import LessorCore

extension LessorConfiguration.Server {
    /// `lessor server` serves HTTPS only. Plain HTTP needs both a loopback address and the explicit
    /// `server.tls.disabled_for_loopback: true`; `lessor dev` does not ask.
    public func requireTransportSecurity() throws(LessorError) {
        if tlsCertificateChain != nil { return }
        guard plainHTTPOnLoopback, LoopbackAddress.contains(host) else {
            throw LessorError(
                .configInvalid,
                "server.tls: lessor server serves HTTPS only; set server.tls.certificate_chain and private_key (plain HTTP needs a loopback address and server.tls.disabled_for_loopback: true; this one listens on \(host))"
            )
        }
    }
}
