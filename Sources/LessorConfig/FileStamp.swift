import Glibc

/// A file's identity and version as `stat` sees it through symlinks: inode, size and nanosecond
/// modification time. An in-place edit changes the time; an atomic replacement (`mv`, `git
/// checkout`, a Kubernetes ConfigMap or Secret update swapping its `..data` link) changes the
/// inode. Nil when the file cannot be read.
public enum FileStamp {
    public static func of(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return "\(status.st_ino):\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }
}
