import Foundation
public import LessorCore

/// The segment files of a file device: `audit-<first sequence, 20 digits>.jsonl`, in sequence order.
public enum AuditSegments {
    public static let prefix = "audit-"
    public static let suffix = ".jsonl"

    public static func name(firstSequence: Int) -> String {
        let digits = String(firstSequence)
        return prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    public static func isSegmentName(_ name: String) -> Bool {
        name.hasPrefix(prefix) && name.hasSuffix(suffix)
            && name.utf8.count == prefix.utf8.count + 20 + suffix.utf8.count
            && name.dropFirst(prefix.count).dropLast(suffix.count).allSatisfy(\.isASCII)
            && name.dropFirst(prefix.count).dropLast(suffix.count).allSatisfy(\.isNumber)
    }

    /// The segment paths in `directory`, oldest first.
    public static func list(_ directory: String) throws(LessorError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LessorError(.auditUnavailable, "cannot list the audit directory \(directory)")
        }
        return names.filter(isSegmentName).sorted().map { "\(directory)/\($0)" }
    }

    /// Expands directories to their segments and keeps files as given, in order.
    public static func expand(_ paths: [String]) throws(LessorError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LessorError(.auditInvalid, "no such file or directory: \(path)")
            }
            if isDirectory.boolValue {
                files.append(contentsOf: try list(path))
            } else {
                files.append(path)
            }
        }
        return files
    }
}
