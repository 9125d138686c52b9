public import Foundation
public import LessorCore

/// The broker's own upstream AWS credentials, from the standard sources in this order:
/// 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`;
/// 2. the shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or `<home>/.aws/credentials`,
///    profile `AWS_PROFILE` or `default`;
/// 3. web identity: `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE` (optional
///    `AWS_ROLE_SESSION_NAME`), exchanged with an unsigned STS `AssumeRoleWithWebIdentity` and
///    cached until `refreshMargin` before they expire; the token file is re-read each time, since
///    the kubelet rotates it.
/// The environment and home directory are passed in, so tests never touch the process's own.
/// Errors name variables, files and profiles, never a key or token.
public actor AWSCredentialsProvider {
    /// Where the credentials come from.
    public enum Source: Sendable, Equatable {
        case environment
        case sharedCredentialsFile(path: String, profile: String)
        case webIdentity(roleARN: String, tokenFile: String)
    }

    private let environment: [String: String]
    private let homeDirectory: String?
    private let webIdentitySTS: STSClient?
    private let clock: WallClock
    private let refreshMargin: Duration
    private var cached: AWSCredentials?

    /// `webIdentitySTS` is the STS client for web identity; nil builds one from the environment
    /// (`AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`; region `AWS_REGION`, then
    /// `AWS_DEFAULT_REGION`, then `us-east-1`) when it is first needed.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String? = ProcessInfo.processInfo.environment["HOME"], webIdentitySTS: STSClient? = nil,
        clock: WallClock = .system, refreshMargin: Duration = .seconds(300)
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.webIdentitySTS = webIdentitySTS
        self.clock = clock
        self.refreshMargin = refreshMargin
    }

    /// The first source that is configured. Static keys in the environment win; a shared
    /// credentials file counts only when it has the profile.
    public func source() throws(LessorError) -> Source {
        if value("AWS_ACCESS_KEY_ID") != nil {
            guard value("AWS_SECRET_ACCESS_KEY") != nil else {
                throw LessorError(
                    .configInvalid, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither")
            }
            return .environment
        }
        if let (path, profile) = sharedFileLocation(),
            try Self.readProfile(path: path, profile: profile) != nil
        {
            return .sharedCredentialsFile(path: path, profile: profile)
        }
        if let roleARN = value("AWS_ROLE_ARN") {
            guard let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE") else {
                throw LessorError(
                    .configInvalid,
                    "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not; set both for web identity")
            }
            return .webIdentity(roleARN: roleARN, tokenFile: tokenFile)
        }
        throw LessorError(
            .configInvalid,
            "no AWS credentials for the aws engine: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, provide a shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or default), or AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE"
        )
    }

    /// Current credentials from the first configured source.
    public func credentials() async throws(LessorError) -> AWSCredentials {
        switch try source() {
        case .environment:
            return AWSCredentials(
                accessKeyID: value("AWS_ACCESS_KEY_ID") ?? "", secretAccessKey: value("AWS_SECRET_ACCESS_KEY") ?? "",
                sessionToken: value("AWS_SESSION_TOKEN"))
        case .sharedCredentialsFile(let path, let profile):
            guard let found = try Self.readProfile(path: path, profile: profile) else {
                throw LessorError(.configInvalid, "\(path): profile [\(profile)] has no AWS credentials")
            }
            return found
        case .webIdentity(let roleARN, let tokenFile):
            if let cached, let expiration = cached.expiration,
                clock.now.addingTimeInterval(refreshMargin.timeInterval) < expiration
            {
                return cached
            }
            let fresh = try await assumeWithWebIdentity(roleARN: roleARN, tokenFile: tokenFile)
            cached = fresh
            return fresh
        }
    }

    private func assumeWithWebIdentity(roleARN: String, tokenFile: String) async throws(LessorError)
        -> AWSCredentials
    {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw LessorError(
                .configInvalid, "\(tokenFile): cannot read the web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw LessorError(.configInvalid, "\(tokenFile): the web identity token file is empty")
        }
        let sts: STSClient
        if let webIdentitySTS { sts = webIdentitySTS } else { sts = try stsFromEnvironment() }
        let sessionName = value("AWS_ROLE_SESSION_NAME") ?? "lessor-\(Int(clock.now.timeIntervalSince1970))"
        let assumed = try await sts.assumeRoleWithWebIdentity(
            roleARN: roleARN, sessionName: sessionName, webIdentityToken: token)
        return assumed.credentials
    }

    private func stsFromEnvironment() throws(LessorError) -> STSClient {
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        return try STSClient(
            region: region, endpoint: value("AWS_ENDPOINT_URL_STS") ?? value("AWS_ENDPOINT_URL"), clock: clock)
    }

    private func value(_ name: String) -> String? {
        guard let found = environment[name], !found.isEmpty else { return nil }
        return found
    }

    /// The file and profile to read, when such a file exists.
    private func sharedFileLocation() -> (String, String)? {
        let path = value("AWS_SHARED_CREDENTIALS_FILE") ?? homeDirectory.map { "\($0)/.aws/credentials" }
        guard let path, FileManager.default.fileExists(atPath: path) else { return nil }
        return (path, value("AWS_PROFILE") ?? "default")
    }

    /// The profile's keys, nil when the file has no such profile. A profile with only one of the
    /// two keys is an error.
    static func readProfile(path: String, profile: String) throws(LessorError) -> AWSCredentials? {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessorError(.configInvalid, "\(path): cannot read the AWS shared credentials file")
        }
        guard let values = SharedCredentialsFile.parse(String(decoding: data, as: UTF8.self))[profile] else {
            return nil
        }
        let accessKey = values["aws_access_key_id"]
        let secret = values["aws_secret_access_key"]
        guard let accessKey, let secret else {
            if accessKey == nil && secret == nil { return nil }
            throw LessorError(
                .configInvalid,
                "\(path): profile [\(profile)] needs both aws_access_key_id and aws_secret_access_key")
        }
        return AWSCredentials(
            accessKeyID: accessKey, secretAccessKey: secret, sessionToken: values["aws_session_token"])
    }
}

/// The INI form of `~/.aws/credentials`: `[profile]` sections of `key = value` lines; `#` and `;`
/// start comment lines; keys are lowercased; later values win.
enum SharedCredentialsFile {
    static func parse(_ text: String) -> [String: [String: String]] {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                // The config file's spelling; the credentials file names profiles bare.
                if name.hasPrefix("profile ") { name = name.dropFirst(8).trimmingCharacters(in: .whitespaces) }
                current = name
                profiles[name, default: [:]] = profiles[name] ?? [:]
                continue
            }
            guard let profile = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            profiles[profile, default: [:]][key] = value
        }
        return profiles
    }
}
