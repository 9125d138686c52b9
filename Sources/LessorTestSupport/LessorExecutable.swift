public import Foundation
public import LessorCore

/// The `lessor` executable SwiftPM builds beside the test bundle, for tests that run the real
/// process (crash safety, several replicas).
public enum LessorExecutable {
    public static func url() throws(LessorError) -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("lessor")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        throw LessorError(.internalFailure, "the lessor executable is not next to the test bundle")
    }
}
