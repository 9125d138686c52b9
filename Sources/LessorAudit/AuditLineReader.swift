import LessorCore

/// Reads a file line by line in large chunks, without holding more than one chunk and one line.
struct AuditLineReader {
    static let chunkSize = 1 << 20

    private let file: AuditFile
    private var buffer: [UInt8] = []
    private var start = 0
    private var bufferOffset = 0
    private var fileOffset = 0
    private var atEnd = false
    /// The size when opened: lines appended later, and endless devices, are not read.
    private let size: Int

    init(path: String) throws(LessorError) {
        file = try AuditFile(path: path, mode: .read)
        size = try file.size()
    }

    var path: String { file.path }

    /// The next newline-terminated line without its newline, and the file offset it starts at;
    /// nil at the end. Bytes after the last newline are returned by `remainder`, not here.
    mutating func next() throws(LessorError) -> (line: ArraySlice<UInt8>, offset: Int)? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                let offset = bufferOffset + start
                start = newline + 1
                return (line, offset)
            }
            if atEnd { return nil }
            let chunk = try file.read(count: min(Self.chunkSize, size - fileOffset), at: fileOffset)
            fileOffset += chunk.count
            if chunk.isEmpty {
                atEnd = true
                continue
            }
            buffer.removeSubrange(0..<start)
            bufferOffset += start
            start = 0
            buffer.append(contentsOf: chunk)
        }
    }

    /// After `next` returned nil: the bytes after the last newline (a torn line) and their offset.
    var remainder: (bytes: ArraySlice<UInt8>, offset: Int) { (buffer[start...], bufferOffset + start) }
}
