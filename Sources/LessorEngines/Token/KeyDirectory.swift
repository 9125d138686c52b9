import Foundation
import Glibc
import LessorCore

/// The few file operations the token keyring makes: a private directory, files written whole
/// (temp file, fsync, rename, fsync of the directory) with mode 0600, and reads that refuse files
/// other users could read. Failures name the path and the system error, never file contents.
struct KeyDirectory: Sendable {
    let path: String

    /// Opens `path`, creating it with mode 0700 when missing.
    init(path: String) throws(LessorError) {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LessorError(.configInvalid, "\(path): the token key directory is a file, not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LessorError(.configInvalid, "\(path): cannot create the token key directory")
        }
    }

    func filePath(_ name: String) -> String { path + "/" + name }

    /// Names of the regular entries, sorted.
    func entries() throws(LessorError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw LessorError(.configInvalid, "\(path): cannot list the token key directory")
        }
    }

    /// The file's bytes. Refuses files readable or writable by group or others.
    func read(_ name: String) throws(LessorError) -> [UInt8] {
        let file = filePath(name)
        var info = stat()
        guard stat(file, &info) == 0 else { throw Self.failure("cannot stat", file) }
        guard info.st_mode & 0o077 == 0 else {
            throw LessorError(
                .configInvalid,
                "\(file): mode \(String(info.st_mode & 0o777, radix: 8)) lets other users reach a signing key; chmod 600 it"
            )
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LessorError(.configInvalid, "\(file): cannot read the token signing key file")
        }
        return Array(data)
    }

    /// Replaces `name` with `bytes` atomically: readers see the old file or the new one, never a
    /// torn one, and the new one survives a crash once this returns.
    func writeAtomically(_ name: String, _ bytes: [UInt8]) throws(LessorError) {
        let temporary = filePath("." + name + ".tmp")
        _ = unlink(temporary)
        var descriptor: Int32
        repeat {
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw Self.failure("cannot create", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let error = Self.failure("cannot write", temporary)
                _ = close(descriptor)
                _ = unlink(temporary)
                throw error
            }
            written += count
        }
        var status: Int32
        repeat { status = fsync(descriptor) } while status < 0 && errno == EINTR
        if status != 0 {
            let error = Self.failure("cannot fsync", temporary)
            _ = close(descriptor)
            _ = unlink(temporary)
            throw error
        }
        _ = close(descriptor)
        guard rename(temporary, filePath(name)) == 0 else {
            let error = Self.failure("cannot rename into place", filePath(name))
            _ = unlink(temporary)
            throw error
        }
        try syncDirectory()
    }

    func remove(_ name: String) throws(LessorError) {
        guard unlink(filePath(name)) == 0 || errno == ENOENT else {
            throw Self.failure("cannot remove", filePath(name))
        }
        try syncDirectory()
    }

    /// Makes renames and removals in the directory durable.
    private func syncDirectory() throws(LessorError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("cannot open", path) }
        defer { _ = close(descriptor) }
        var status: Int32
        repeat { status = fsync(descriptor) } while status < 0 && errno == EINTR
        guard status == 0 else { throw Self.failure("cannot fsync", path) }
    }

    private static func failure(_ what: String, _ path: String) -> LessorError {
        let code = errno
        return LessorError(.configInvalid, "\(what) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
}
