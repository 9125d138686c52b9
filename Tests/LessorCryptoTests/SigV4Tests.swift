import Foundation
import LessorCore
import LessorCrypto
import LessorTestSupport
import Testing

/// AWS Signature Version 4: AWS's published sig-v4 test-suite vectors, an exact cross-check
/// against botocore's `SigV4Auth`, and verification failing on any tampered part.
@Suite("SigV4")
struct SigV4Tests {
    /// The test suite's documented example credentials and time.
    static let example = SigV4Credentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let exampleTime = Date(timeIntervalSince1970: 1_440_938_160)
    static let signer = SigV4Signer(region: "us-east-1", service: "service")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func exampleRequest(
        method: String = "GET", path: String = "/", query: String = "", headers: [(name: String, value: String)] = [],
        body: String = ""
    ) -> SigV4Request {
        SigV4Request(
            method: method, path: path, query: query,
            headers: [(name: "Host", value: "example.amazonaws.com")] + headers, body: Array(body.utf8))
    }

    @Test func theExampleTimeIsTheSuitesAmzDate() {
        #expect(SigV4.amzDate(Self.exampleTime) == "20150830T123600Z")
        #expect(SigV4.parseAmzDate("20150830T123600Z") == Self.exampleTime)
        #expect(SigV4.parseAmzDate("2015-08-30T12:36:00Z") == nil)
        #expect(SigV4.parseAmzDate("20150830T1236000") == nil)
    }

    @Test func getVanillaCanonicalRequestAndStringToSign() {
        let request = Self.signer.sign(Self.exampleRequest(), with: Self.example, at: Self.exampleTime)
        let canonical = SigV4.canonicalRequest(
            request, signedHeaders: ["host", "x-amz-date"], payloadHash: SigV4.payloadHash(of: request))
        #expect(
            canonical
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(Self.emptyHash)"
        )
        let scope = SigV4Scope(date: "20150830", region: "us-east-1", service: "service")
        #expect(
            SigV4.stringToSign(canonicalRequest: canonical, amzDate: "20150830T123600Z", scope: scope)
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
    }

    /// Vectors from AWS's sig-v4 test suite: the request and its published signature.
    static let suiteVectors: [SuiteVector] = [
        SuiteVector(
            name: "get-vanilla", method: "GET", path: "/", query: "", body: "", signedHeaders: "host;x-amz-date",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        SuiteVector(
            name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: "Param2=value2&Param1=value1",
            body: "", signedHeaders: "host;x-amz-date",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        SuiteVector(
            name: "get-utf8", method: "GET", path: "/\u{1234}", query: "", body: "", signedHeaders: "host;x-amz-date",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        SuiteVector(
            name: "post-vanilla", method: "POST", path: "/", query: "", body: "", signedHeaders: "host;x-amz-date",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        SuiteVector(
            name: "post-x-www-form-urlencoded", method: "POST", path: "/", query: "", body: "Param1=value1",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test(arguments: suiteVectors)
    func awsTestSuite(_ vector: SuiteVector) throws {
        let headers: [(name: String, value: String)] =
            vector.body.isEmpty ? [] : [(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        let request = Self.signer.sign(
            Self.exampleRequest(
                method: vector.method, path: vector.path, query: vector.query, headers: headers, body: vector.body),
            with: Self.example, at: Self.exampleTime)
        #expect(
            request.value(of: "authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
        #expect(request.value(of: "x-amz-date") == "20150830T123600Z")
        try SigV4Verifier(service: "service").verify(
            request, secretAccessKey: Self.example.secretAccessKey, now: Self.exampleTime)
    }

    @Test(arguments: [
        ("/", "/"), ("", "/"), ("//", "/"), ("/./", "/"), ("/example/..", "/"), ("/example1/example2/../..", "/"),
        ("//example//", "/example/"), ("/./example", "/example"), ("/example space/", "/example%20space/"),
        ("/sts/", "/sts/"), ("/a%2Fb", "/a%252Fb"), ("/-._~0aZ", "/-._~0aZ"),
    ])
    func canonicalURIs(path: String, canonical: String) {
        #expect(SigV4.canonicalURI(path) == canonical)
    }

    @Test(arguments: [
        ("", ""), ("b=2&a=1", "a=1&b=2"), ("a=2&a=1", "a=1&a=2"),
        ("Param1=value1&Param-2=x", "Param-2=x&Param1=value1"),
        ("a=x%20y&b=%2f", "a=x%20y&b=%2F"), ("flag", "flag="), ("k=a b", "k=a%20b"), ("k=%7E", "k=~"),
    ])
    func canonicalQueries(query: String, canonical: String) {
        #expect(SigV4.canonicalQuery(query) == canonical)
    }

    @Test func headerValuesAreTrimmedAndRepeatedNamesJoined() {
        let request = SigV4Request(
            method: "get", path: "/",
            headers: [
                (name: "Host", value: "example.amazonaws.com"), (name: "My-Header1", value: "  a   b \t c  "),
                (name: "my-header2", value: "x"), (name: "MY-HEADER2", value: "y"),
            ])
        let canonical = SigV4.canonicalRequest(
            request, signedHeaders: ["my-header2", "host", "my-header1"], payloadHash: Self.emptyHash)
        #expect(
            canonical
                == "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:a b c\nmy-header2:x,y\n\n"
                + "host;my-header1;my-header2\n\(Self.emptyHash)")
    }

    @Test func theSigningKeyChainsFourHMACs() {
        let scope = SigV4Scope(date: "20150830", region: "us-east-1", service: "iam")
        var key = HMAC.sha256(
            key: Array("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".utf8), message: Array("20150830".utf8))
        key = HMAC.sha256(key: key, message: Array("us-east-1".utf8))
        key = HMAC.sha256(key: key, message: Array("iam".utf8))
        key = HMAC.sha256(key: key, message: Array("aws4_request".utf8))
        #expect(SigV4.signingKey(secretAccessKey: Self.example.secretAccessKey, scope: scope) == key)
        // AWS's documented derived key for this scope.
        #expect(
            hexString(key) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    @Test func aSessionTokenIsSentAndSigned() throws {
        var credentials = Self.example
        credentials.sessionToken = "session-token-value"
        let request = Self.signer.sign(Self.exampleRequest(), with: credentials, at: Self.exampleTime)
        #expect(request.value(of: "x-amz-security-token") == "session-token-value")
        let authorization = try SigV4Authorization(parsing: try #require(request.value(of: "authorization")))
        #expect(authorization.signedHeaders == ["host", "x-amz-date", "x-amz-security-token"])
        #expect(!String(describing: credentials).contains("EXAMPLEKEY"))
        #expect(!String(describing: credentials).contains("session-token-value"))
    }

    @Test func userAgentIsNotSigned() throws {
        let request = Self.signer.sign(
            Self.exampleRequest(headers: [(name: "User-Agent", value: "lessor")]), with: Self.example,
            at: Self.exampleTime)
        let authorization = try SigV4Authorization(parsing: try #require(request.value(of: "authorization")))
        #expect(authorization.signedHeaders == ["host", "x-amz-date"])
    }

    // MARK: - botocore

    /// Requests botocore and Lessor both sign; the Authorization headers must be identical.
    static let botocoreCases: [BotocoreCase] = [
        BotocoreCase(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", path: "/", query: "",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body:
                "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Facme-deployer&RoleSessionName=acme%40ns.sa",
            region: "eu-west-1", service: "sts", sessionToken: "FwoGZXIvYXdzEXAMPLE//token+with/odd=chars"),
        BotocoreCase(
            method: "GET", host: "127.0.0.1:8443", path: "/sts/",
            query: "Version=2011-06-15&Action=GetCallerIdentity&empty=&x=a%20b%2Fc", headers: [],
            body: "", region: "us-east-1", service: "sts", sessionToken: nil),
        BotocoreCase(
            method: "POST", host: "iam.amazonaws.com", path: "/a/./b/../c//d/", query: "",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-Custom", "  spaced   value  ")],
            body: "Action=PutRolePolicy&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D",
            region: "us-east-1", service: "iam", sessionToken: nil),
        BotocoreCase(
            method: "POST", host: "dynamodb.us-east-1.amazonaws.com", path: "/", query: "",
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
            ],
            body: #"{"TableName":"acme-orders","Key":{"id":{"S":"1"}}}"#, region: "us-east-1",
            service: "dynamodb", sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE"),
    ]

    @Test(arguments: botocoreCases)
    func matchesBotocore(_ example: BotocoreCase) async throws {
        let time = Date(timeIntervalSince1970: 1_767_225_600 + 3_723)
        let credentials = SigV4Credentials(
            accessKeyID: "ASIAEXAMPLEKEYID0001", secretAccessKey: "k/EXAMPLE+secret/0123456789abcdefABCDEF01",
            sessionToken: example.sessionToken)
        let request = SigV4Request(
            method: example.method, path: example.path, query: example.query,
            headers: [(name: "Host", value: example.host)] + example.headers.map { (name: $0.0, value: $0.1) },
            body: Array(example.body.utf8))
        let signed = SigV4Signer(region: example.region, service: example.service).sign(
            request, with: credentials, at: time)
        let theirs = try await botocoreHeaders(for: example, credentials: credentials, amzDate: SigV4.amzDate(time))
        #expect(signed.value(of: "authorization") == theirs["Authorization"])
        #expect(signed.value(of: "x-amz-date") == theirs["X-Amz-Date"])
        #expect(signed.value(of: "x-amz-security-token") == theirs["X-Amz-Security-Token"])
        try SigV4Verifier(service: example.service).verify(
            signed, secretAccessKey: credentials.secretAccessKey, now: time)
    }

    /// Signs `example` with `botocore.auth.SigV4Auth` at `amzDate` and returns the headers it set.
    private func botocoreHeaders(for example: BotocoreCase, credentials: SigV4Credentials, amzDate: String) async throws
        -> [String: String]
    {
        let script = """
            import datetime, json, sys
            import botocore.auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            spec = json.load(sys.stdin)
            fixed = datetime.datetime.strptime(spec["time"], "%Y%m%dT%H%M%SZ")
            botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
            url = "https://" + spec["host"] + spec["path"] + ("?" + spec["query"] if spec["query"] else "")
            headers = {"Host": spec["host"]}
            headers.update(dict(spec["headers"]))
            request = AWSRequest(method=spec["method"], url=url, data=spec["body"].encode(), headers=headers)
            credentials = Credentials(spec["access_key"], spec["secret_key"], spec["token"])
            botocore.auth.SigV4Auth(credentials, spec["service"], spec["region"]).add_auth(request)
            print(json.dumps(dict(request.headers.items())))
            """
        let spec: JSONValue = .object([
            "time": .string(amzDate), "host": .string(example.host), "path": .string(example.path),
            "query": .string(example.query), "method": .string(example.method), "body": .string(example.body),
            "headers": .array(example.headers.map { .array([.string($0.0), .string($0.1)]) }),
            "access_key": .string(credentials.accessKeyID), "secret_key": .string(credentials.secretAccessKey),
            "token": credentials.sessionToken.map(JSONValue.string) ?? .null, "service": .string(example.service),
            "region": .string(example.region),
        ])
        let result = try await ChildProcess.python(script, input: AuditCanonicalJSON.encode(spec))
        guard result.status == 0 else {
            let hint = result.errors.contains("No module named") ? " (install it: pip install boto3 botocore)" : ""
            throw LessorError(.internalFailure, "python3 failed\(hint):\n\(result.errors.suffix(2000))")
        }
        let parsed = try JSONParser.parse(result.output).objectValue ?? [:]
        return parsed.compactMapValues(\.stringValue)
    }

    // MARK: - verification

    static let verifier = SigV4Verifier(service: "sts")
    static let secret = "k/EXAMPLE+secret/0123456789abcdefABCDEF01"

    static func signedCall(at time: Date = exampleTime) -> SigV4Request {
        let request = SigV4Request(
            method: "POST", path: "/sts/",
            headers: [
                (name: "Host", value: "lessor.example:8443"),
                (name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
            ],
            body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8))
        return SigV4Signer(region: "us-east-1", service: "sts").sign(
            request,
            with: SigV4Credentials(accessKeyID: "ASIALESSOR0001", secretAccessKey: secret, sessionToken: "t0ken"),
            at: time)
    }

    @Test func anUntouchedRequestVerifies() throws {
        let authorization = try Self.verifier.verify(
            Self.signedCall(), secretAccessKey: Self.secret, now: Self.exampleTime)
        #expect(authorization.accessKeyID == "ASIALESSOR0001")
        #expect(authorization.scope == SigV4Scope(date: "20150830", region: "us-east-1", service: "sts"))
        // Within the skew either way.
        try Self.verifier.verify(
            Self.signedCall(), secretAccessKey: Self.secret, now: Self.exampleTime.addingTimeInterval(899))
        try Self.verifier.verify(
            Self.signedCall(), secretAccessKey: Self.secret, now: Self.exampleTime.addingTimeInterval(-899))
    }

    @Test(arguments: [
        "host", "content-type", "x-amz-security-token", "body", "path", "query", "method", "date", "date-and-scope",
        "secret", "signature", "service", "skew", "content-sha256",
    ])
    func tamperingFailsVerification(part: String) {
        var request = Self.signedCall()
        var secret = Self.secret
        var now = Self.exampleTime
        switch part {
        case "host": request.setHeader("Host", "evil.example:8443")
        case "content-type": request.setHeader("Content-Type", "application/json")
        case "x-amz-security-token": request.setHeader("X-Amz-Security-Token", "other")
        case "body": request.body = Array("Action=GetCallerIdentity&Version=2011-06-16".utf8)
        case "path": request.path = "/"
        case "query": request.query = "Action=AssumeRole"
        case "method": request.method = "PUT"
        case "date": request.setHeader("X-Amz-Date", "20150830T123601Z")
        case "date-and-scope":
            // A request replayed a day later with the scope edited to match still fails.
            request.setHeader("X-Amz-Date", "20150831T123600Z")
            let header = request.value(of: "authorization")!.replacingOccurrences(of: "/20150830/", with: "/20150831/")
            request.setHeader("Authorization", header)
            now = now.addingTimeInterval(86_400)
        case "secret": secret = "another-secret"
        case "signature":
            let header = request.value(of: "authorization")!
            let last = header.last == "0" ? "1" : "0"
            request.setHeader("Authorization", String(header.dropLast()) + last)
        case "service":
            let header = request.value(of: "authorization")!.replacingOccurrences(of: "/sts/", with: "/iam/")
            request.setHeader("Authorization", header)
        case "skew": now = now.addingTimeInterval(901)
        case "content-sha256": request.setHeader("X-Amz-Content-SHA256", Self.emptyHash)
        default: Issue.record("unknown part \(part)")
        }
        #expect(throws: LessorError(.signatureInvalid, ""), "\(part)") {
            try Self.verifier.verify(request, secretAccessKey: secret, now: now)
        }
    }

    @Test func failuresNeverQuoteTheSecretOrSignature() throws {
        let request = Self.signedCall()
        let signature = try SigV4Authorization(parsing: request.value(of: "authorization")!).signature
        do {
            try Self.verifier.verify(request, secretAccessKey: "wrong", now: Self.exampleTime)
            Issue.record("verified with the wrong secret")
        } catch {
            #expect(!error.description.contains(signature))
            #expect(!error.description.contains(Self.secret))
            #expect(!error.description.contains("t0ken"))
        }
    }

    @Test(arguments: [
        "", "AWS4-HMAC-SHA256", "Bearer x", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request",
        "AWS4-HMAC-SHA256 Credential=A/2015083/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "a", count: 64))",
        "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "a", count: 64))",
        "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date;host, Signature=\(String(repeating: "a", count: 64))",
        "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request, SignedHeaders=Host;x-amz-date, Signature=\(String(repeating: "a", count: 64))",
        "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "A", count: 64))",
        "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request, Credential=B/20150830/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
    ])
    func malformedAuthorizationHeadersAreRefused(header: String) {
        #expect(throws: LessorError(.requestInvalid, "")) { try SigV4Authorization(parsing: header) }
    }

    @Test func aSignatureMissingHostOrDateIsRefused() {
        var request = Self.signedCall()
        let header = request.value(of: "authorization")!.replacingOccurrences(
            of: "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token",
            with: "SignedHeaders=content-type;x-amz-date;x-amz-security-token")
        request.setHeader("Authorization", header)
        #expect(throws: LessorError(.requestInvalid, "")) {
            try Self.verifier.verify(request, secretAccessKey: Self.secret, now: Self.exampleTime)
        }
        var undated = Self.signedCall()
        undated.removeHeader("x-amz-date")
        #expect(throws: LessorError(.requestInvalid, "")) {
            try Self.verifier.verify(undated, secretAccessKey: Self.secret, now: Self.exampleTime)
        }
    }

    @Test func theHeaderRoundTrips() throws {
        let header = try #require(Self.signedCall().value(of: "authorization"))
        #expect(try SigV4Authorization(parsing: header).headerValue == header)
        let spaced = header.replacingOccurrences(of: ", ", with: ",")
        #expect(try SigV4Authorization(parsing: spaced).headerValue == header)
    }
}

struct SuiteVector: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let path: String
    let query: String
    let body: String
    let signedHeaders: String
    let signature: String

    var testDescription: String { name }
}

struct BotocoreCase: Sendable, CustomTestStringConvertible {
    let method: String
    let host: String
    let path: String
    let query: String
    let headers: [(String, String)]
    let body: String
    let region: String
    let service: String
    let sessionToken: String?

    var testDescription: String { "\(method) \(service) \(host)\(path)" }
}
