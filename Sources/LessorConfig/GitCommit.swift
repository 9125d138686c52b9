import Foundation

/// The commit a policy directory was loaded from, so every decision can be traced to it. `+dirty`
/// marks uncommitted changes under the directory. Nil outside a git work tree or without git.
enum GitCommit {
    static func of(directory: String) -> String? {
        guard let head = run(["-C", directory, "rev-parse", "HEAD"]), head.count == 40 else { return nil }
        let status = run(["-C", directory, "status", "--porcelain", "--", "."]) ?? ""
        return status.isEmpty ? head : head + "+dirty"
    }

    private static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
