public import Foundation
public import LessorCore

extension AWSCredentialsProvider {
    /// Which of the standard sources the broker's upstream credentials come from, as configured
    /// (`engines.aws.credentials`). A selected source is the only one read: a key pair in the
    /// environment cannot shadow a configured web identity, say.
    public enum Selection: Sendable, Hashable {
        /// The environment, then the shared credentials file, then web identity (the type's order).
        case standardChain
        /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optional `AWS_SESSION_TOKEN` only.
        case environment
        /// The shared credentials file at `path` (nil: `AWS_SHARED_CREDENTIALS_FILE`, then
        /// `<home>/.aws/credentials`), profile `profile` (nil: `AWS_PROFILE`, then `default`).
        case sharedFile(path: String?, profile: String?)
        /// `AssumeRoleWithWebIdentity` with `roleARN` and the token in `tokenFile` (nil: from
        /// `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`), session `sessionName` (nil:
        /// `AWS_ROLE_SESSION_NAME`, then `lessor-<time>`).
        case webIdentity(roleARN: String?, tokenFile: String?, sessionName: String?)

        /// The configuration file's name of the source.
        public var name: String {
            switch self {
            case .standardChain: "standard_chain"
            case .environment: "environment"
            case .sharedFile: "shared_file"
            case .webIdentity: "web_identity"
            }
        }
    }

    /// A provider that reads only the source `selection` names, with what the selection fixes
    /// taking the place of the matching environment variables.
    public init(
        selection: Selection, environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String? = ProcessInfo.processInfo.environment["HOME"], webIdentitySTS: STSClient? = nil,
        clock: WallClock = .system
    ) {
        func keep(_ names: [String]) -> [String: String] { environment.filter { names.contains($0.key) } }
        var visible: [String: String]
        var home: String?
        switch selection {
        case .standardChain:
            visible = environment
            home = homeDirectory
        case .environment:
            visible = keep(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
        case .sharedFile(let path, let profile):
            visible = keep(["AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE"])
            if let path { visible["AWS_SHARED_CREDENTIALS_FILE"] = path }
            if let profile { visible["AWS_PROFILE"] = profile }
            home = homeDirectory
        case .webIdentity(let roleARN, let tokenFile, let sessionName):
            visible = keep([
                "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "AWS_REGION",
                "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL",
            ])
            if let roleARN { visible["AWS_ROLE_ARN"] = roleARN }
            if let tokenFile { visible["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile }
            if let sessionName { visible["AWS_ROLE_SESSION_NAME"] = sessionName }
        }
        self.init(environment: visible, homeDirectory: home, webIdentitySTS: webIdentitySTS, clock: clock)
    }
}
