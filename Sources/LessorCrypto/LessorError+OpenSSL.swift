internal import COpenSSL
import LessorCore

extension LessorError {
    /// A `.cryptoFailure` naming the failed operation and OpenSSL's first queued error. Empties
    /// this thread's error queue so later failures report their own cause.
    static func openSSL(_ operation: String, file: String = #fileID, line: Int = #line) -> LessorError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else {
            return LessorError(.cryptoFailure, "\(operation) failed", file: file, line: line)
        }
        let reason = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
            ERR_error_string_n(code, buffer.baseAddress, buffer.count)
            return String(cString: buffer.baseAddress!)
        }
        return LessorError(.cryptoFailure, "\(operation) failed: \(reason)", file: file, line: line)
    }

    static func keyInvalid(_ message: String, file: String = #fileID, line: Int = #line) -> LessorError {
        LessorError(.keyInvalid, message, file: file, line: line)
    }
}
