/// `lessor-bench MODE [--seconds S]`. Modes: `verify` (token verification), `policy` (decisions
/// with 10 and 10,000 tenants), `audit` (durable records/s by writer count, `--dir D`). Every mode
/// runs off the main actor, as request handlers do.
let arguments = CommandLine.arguments
let mode = arguments.count > 1 && !arguments[1].hasPrefix("--") ? arguments[1] : "verify"
let seconds = arguments.firstIndex(of: "--seconds").flatMap { Double(arguments[$0 + 1]) } ?? 3

switch mode {
case "verify":
    try await Task.detached { try await VerifyBenchmark.run(seconds: seconds) }.value
case "policy":
    try await Task.detached { try await PolicyBenchmark.run(seconds: seconds) }.value
case "audit":
    try await Task.detached { try await AuditBenchmark.run(seconds: seconds) }.value
default:
    fatalError("unknown mode \(mode); use verify, policy or audit")
}
