import Foundation
import LessorCore
import LessorSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// Start-up time and memory of the SQLite store against the number of leases it holds: an empty
/// store, then 100,000 and 1,000,000 active leases (`--leases A,B,…` to change). The stores are
/// filled through the store's own calls (not timed) and closed; then, for each, a child process
/// (this binary, `startup-child`) opens the store and looks up one lease, `--runs R` times
/// (default 3). A baseline child that opens nothing gives the process's own floor. The peak RSS
/// is the child's own `VmHWM`, read by the child as it exits: `wait4`'s `ru_maxrss` would also count
/// the parent's pages, which a `posix_spawn`ed child shares until it calls `exec`. Prints CSV:
/// `startup,<leases>,<file MB>,<WAL MB>,<open+lookup s, median>,<child wall s, median>,<child peak RSS MiB, max>`.
enum StartupBenchmark {
    static let tenants = (0..<16).map { "tenant-\($0)" }

    static func run() async throws {
        let arguments = CommandLine.arguments
        let sizes =
            arguments.firstIndex(of: "--leases").map { arguments[$0 + 1].split(separator: ",").compactMap { Int($0) } }
            ?? [100_000, 1_000_000]
        let runs = arguments.firstIndex(of: "--runs").flatMap { Int(arguments[$0 + 1]) } ?? 3

        try await OffboardBenchmark.withTemporaryDirectory("startup") { directory in
            print("startup,leases,file_mb,wal_mb,open_lookup_s,child_wall_s,child_max_rss_mib")
            let baseline = try measure(runs: runs, directory: directory, child: [])
            print("startup,baseline,0,0,\(baseline.csv)")

            let emptyPath = "\(directory)/empty.sqlite"
            try await SQLiteLeaseStore.open(path: emptyPath).close()
            let empty = try measure(
                runs: runs, directory: directory,
                child: ["--path", emptyPath, "--tenant", tenants[0], "--lease", "none"])
            print("startup,0,\(megabytes(emptyPath)),\(empty.csv)")

            let path = "\(directory)/leases.sqlite"
            var filled = 0
            for size in sizes.sorted() where size > filled {
                let store = try SQLiteLeaseStore.open(path: path)
                if filled == 0 {
                    for tenant in tenants { _ = try await store.ensureTenant(tenant, wrappedDataKey: [1], at: Date()) }
                }
                let start = ContinuousClock.now
                try await OffboardBenchmark.fill(
                    store: store, tenants: tenants, count: size - filled, policyDigest: "sha256:bench")
                FileHandle.standardError.write(
                    Data(
                        "setup: \(size - filled) leases in \(OffboardBenchmark.format(OffboardBenchmark.seconds(since: start))) s\n"
                            .utf8))
                filled = size
                // Probe a lease from the middle of the id order of a middle tenant.
                let tenant = tenants[tenants.count / 2]
                let count = try await store.liveLeaseCount(tenantID: tenant, at: Date())
                var cursor: String?
                var remaining = count / 2
                while remaining > 0 {
                    let page = try await store.leases(
                        tenantID: tenant, binding: nil, after: cursor, limit: min(remaining, 10_000))
                    cursor = page.last?.id
                    remaining -= page.count
                }
                await store.close()
                let result = try measure(
                    runs: runs, directory: directory,
                    child: ["--path", path, "--tenant", tenant, "--lease", cursor ?? "none"])
                print("startup,\(size),\(megabytes(path)),\(result.csv)")
            }
        }
    }

    struct Result {
        var openSeconds: [Double] = []
        var wallSeconds: [Double] = []
        var maxRSSKiB: [Int] = []

        var csv: String {
            let median = { (values: [Double]) in values.sorted()[values.count / 2] }
            return "\(OffboardBenchmark.format(median(openSeconds))),\(OffboardBenchmark.format(median(wallSeconds))),"
                + String(format: "%.1f", Double(maxRSSKiB.max() ?? 0) / 1024)
        }
    }

    /// Runs `startup-child` with `child` arguments `runs` times and collects its own timing and
    /// peak RSS, and its wall time from spawn to exit.
    private static func measure(runs: Int, directory: String, child: [String]) throws -> Result {
        var result = Result()
        let output = "\(directory)/child-result"
        for _ in 0..<runs {
            unlink(output)
            let start = ContinuousClock.now
            let status = try spawnAndWait(["startup-child", "--result", output] + child)
            result.wallSeconds.append(OffboardBenchmark.seconds(since: start))
            let fields = (try? String(contentsOfFile: output, encoding: .utf8))?.split(separator: " ") ?? []
            guard status == 0, fields.count == 2, let seconds = Double(fields[0]),
                let peak = Int(fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
            else { throw StartupFailure(message: "startup-child \(child) failed with status \(status)") }
            result.openSeconds.append(seconds)
            result.maxRSSKiB.append(peak)
        }
        return result
    }

    /// Spawns this executable with `arguments` and waits for it; returns its exit status.
    private static func spawnAndWait(_ arguments: [String]) throws -> Int32 {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, nil, nil, argv + [nil], environ)
        guard spawned == 0 else { throw StartupFailure(message: "posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw StartupFailure(message: "waitpid failed: \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return exitStatus
    }

    /// The database file's size and its write-ahead log's, in MB: `<file>,<wal>`.
    private static func megabytes(_ path: String) -> String {
        ["", "-wal"].map { suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            return String(format: "%.1f", Double(size) / 1_000_000)
        }.joined(separator: ",")
    }

    /// `startup-child --result F [--path P --tenant T --lease L]`: opens the store at P and looks
    /// up lease L of tenant T (it must exist unless L is `none`), then writes the seconds that took
    /// to F, then its peak RSS in KiB (`VmHWM`, after closing the store). Without `--path` it only
    /// writes `0` and its peak RSS: the baseline process.
    static func child() async throws {
        let start = ContinuousClock.now
        let arguments = CommandLine.arguments
        let value = { (name: String) in arguments.firstIndex(of: name).map { arguments[$0 + 1] } }
        guard let output = value("--result") else { throw StartupFailure(message: "startup-child needs --result") }
        var seconds = 0.0
        if let path = value("--path"), let tenant = value("--tenant"), let leaseID = value("--lease") {
            let store = try SQLiteLeaseStore.open(path: path)
            let lease = try await store.lease(id: leaseID, tenantID: tenant)
            seconds = OffboardBenchmark.seconds(since: start)
            guard (lease != nil) == (leaseID != "none") else {
                throw StartupFailure(message: "lease \(leaseID) of \(tenant): found \(lease != nil)")
            }
            await store.close()
        }
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let peak = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
        else { throw StartupFailure(message: "no VmHWM in /proc/self/status") }
        try "\(seconds) \(peak)\n".write(toFile: output, atomically: false, encoding: .utf8)
    }

    struct StartupFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
