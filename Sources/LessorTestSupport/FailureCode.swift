public import LessorCore

/// The code of the `LessorError` that `body` throws, or nil when it succeeds. Tests compare it with
/// the code they expect, so a success or a different failure both fail the test.
public func failureCode(_ body: () async throws -> Void) async -> LessorError.Code? {
    do {
        try await body()
        return nil
    } catch let error as LessorError {
        return error.code
    } catch {
        return .internalFailure
    }
}
