public import Foundation
import Glibc

/// Child processes for tests, waited on from threads of their own. Blocking in `waitUntilExit`
/// or on a pipe inside a test would hold one of the Swift concurrency pool's threads (two on a
/// two-core machine), and the loopback servers other tests run in this process need them.
public enum ChildProcess {
    /// What a finished child printed, and how it ended.
    public struct Result: Sendable {
        public let status: Int32
        public let output: [UInt8]
        public let errors: String
    }

    /// Runs `executable` with `arguments`, `input` on stdin, and collects stdout and stderr.
    public static func run(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil
    ) async throws -> Result {
        try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let environment { process.environment = environment }
            let stdin = Pipe()
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            // stderr is drained on a thread of its own so that neither pipe can fill and stall the child.
            let errors = Thread.detachedRead(stderr.fileHandleForReading)
            stdin.fileHandleForWriting.write(Data(input))
            try stdin.fileHandleForWriting.close()
            let output = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, output: Array(output),
                errors: String(decoding: errors.wait(), as: UTF8.self))
        }
    }

    /// Runs a Python script with python3 from PATH.
    public static func python(_ script: String, input: [UInt8] = []) async throws -> Result {
        try await run("/usr/bin/env", ["python3", "-c", script], input: input)
    }
}

extension Process {
    /// Waits until the process has ended.
    public func exited() async {
        _ = try? await onOwnThread { self.waitUntilExit() }
    }

    /// SIGTERM, SIGKILL after `grace`, and waits until the process has ended. Safe to call
    /// on a process that already ended or never ran.
    public func stop(grace: Duration) async {
        guard processIdentifier != 0 else { return }
        _ = try? await onOwnThread { self.stopBlocking(grace: grace) }
    }

    /// The same, for a `defer`: returns at once and finishes on a thread of its own.
    public func stopDetached(grace: Duration) {
        guard processIdentifier != 0, isRunning else { return }
        let thread = Thread { self.stopBlocking(grace: grace) }
        thread.start()
    }

    private func stopBlocking(grace: Duration) {
        if isRunning { kill(processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}

extension Thread {
    /// Reads `handle` to its end on a new thread; `wait()` returns the bytes.
    fileprivate static func detachedRead(_ handle: FileHandle) -> PendingRead {
        let pending = PendingRead()
        let thread = Thread { pending.finish(handle.readDataToEndOfFile()) }
        thread.start()
        return pending
    }
}

private final class PendingRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    func finish(_ value: Data) {
        data = value
        done.signal()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
