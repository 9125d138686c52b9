import Glibc
import LessorCore

/// An open file descriptor and the few system calls the audit device makes on it. Each call
/// retries on `EINTR` and reports failure as `LessorError` with the path and `strerror` text.
/// The descriptor is closed in `deinit`. Not shared between threads.
final class AuditFile {
    let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    enum Mode {
        case read
        /// Append, creating the file with mode 0600 when missing.
        case append
        /// Create a new file with mode 0600; fails if it exists.
        case createNew
    }

    init(path: String, mode: Mode) throws(LessorError) {
        let flags: Int32
        switch mode {
        case .read: flags = O_RDONLY
        case .append: flags = O_WRONLY | O_APPEND | O_CREAT
        case .createNew: flags = O_WRONLY | O_CREAT | O_EXCL
        }
        var fd: Int32
        repeat { fd = open(path, flags | O_CLOEXEC, 0o600) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw Self.failure("cannot open", path) }
        self.path = path
        self.descriptor = fd
        self.ownsDescriptor = true
    }

    /// Wraps a descriptor this object does not own (standard output); it is never closed.
    init(borrowing descriptor: Int32, name: String) {
        self.path = name
        self.descriptor = descriptor
        self.ownsDescriptor = false
    }

    deinit {
        if ownsDescriptor { _ = close(descriptor) }
    }

    /// Writes every byte, continuing after short writes.
    func write(_ bytes: [UInt8]) throws(LessorError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot write", path)
            }
            written += count
        }
    }

    func syncData() throws(LessorError) {
        var status: Int32
        repeat { status = fdatasync(descriptor) } while status < 0 && errno == EINTR
        guard status == 0 else { throw Self.failure("cannot fdatasync", path) }
    }

    func sync() throws(LessorError) {
        var status: Int32
        repeat { status = fsync(descriptor) } while status < 0 && errno == EINTR
        guard status == 0 else { throw Self.failure("cannot fsync", path) }
    }

    func truncate(to length: Int) throws(LessorError) {
        var status: Int32
        repeat { status = ftruncate(descriptor, off_t(length)) } while status < 0 && errno == EINTR
        guard status == 0 else { throw Self.failure("cannot truncate", path) }
    }

    func size() throws(LessorError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.failure("cannot stat", path) }
        return Int(info.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(count: Int, at offset: Int) throws(LessorError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot read", path)
            }
            if got == 0 { break }
            filled += got
        }
        buffer.removeSubrange(filled...)
        return buffer
    }

    /// Makes a directory's entries (a new or removed segment) durable.
    static func syncDirectory(_ path: String) throws(LessorError) {
        let directory = try AuditFile(path: path, mode: .read)
        try directory.sync()
    }

    static func failure(_ what: String, _ path: String) -> LessorError {
        let code = errno
        return LessorError(.auditUnavailable, "\(what) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
}
