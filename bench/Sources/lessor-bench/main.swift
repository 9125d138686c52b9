/// `lessor-bench MODE [--seconds S]`. Modes: `verify` (token verification), `policy` (decisions
/// with 10 and 10,000 tenants), `audit` (durable records/s by writer count, `--dir D`), `offboard`
/// (offboarding a tenant of `--leases N` leases on SQLite, and on PostgreSQL when
/// `LESSOR_BENCH_POSTGRES_URL` is set), `startup` (store start-up time and memory with 0, 100,000
/// and 1,000,000 leases, `--leases A,B --runs R`; it runs `startup-child` itself). Every mode runs
/// off the main actor, as request handlers do.
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
case "offboard":
    try await Task.detached { try await OffboardBenchmark.run() }.value
case "startup":
    try await Task.detached { try await StartupBenchmark.run() }.value
case "startup-child":
    try await Task.detached { try await StartupBenchmark.child() }.value
default:
    fatalError("unknown mode \(mode); use verify, policy, audit, offboard or startup")
}
