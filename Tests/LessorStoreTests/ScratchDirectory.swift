import Foundation
import LessorCore
import Testing

/// A temporary directory for the stores one test opens, removed when the test ends. Tests get it
/// through the `.scratchDirectory` trait; `StoreKind` reads it from the task.
struct ScratchDirectory: Sendable {
    @TaskLocal static var current: ScratchDirectory?

    let url: URL

    /// A new database path inside the current test's directory, in a folder of its own.
    static func newDatabasePath() throws -> String {
        guard let current else {
            throw LessorError(.internalFailure, "the test needs the .scratchDirectory trait to open a store")
        }
        let folder = current.url.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("leases.sqlite").path
    }
}

/// Gives every test (and every case of a parameterized test) its own scratch directory.
struct ScratchDirectoryTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lessor-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        try await ScratchDirectory.$current.withValue(ScratchDirectory(url: url)) { try await function() }
    }
}

extension Trait where Self == ScratchDirectoryTrait {
    static var scratchDirectory: Self { Self() }
}
