import LessorCore
import LessorIdentity
import LessorTestSupport
import Logging

func makeVerifier(
    _ issuer: TestIssuer, clock: TestClock, maxTokenBytes: Int = TokenVerifier.defaultMaxTokenBytes,
    configure: (inout IssuerConfiguration) -> Void = { _ in }
) throws -> TokenVerifier {
    var configuration = issuer.configuration()
    configure(&configuration)
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return try TokenVerifier(
        configurations: [configuration], clock: clock.wallClock, logger: logger, maxTokenBytes: maxTokenBytes)
}
