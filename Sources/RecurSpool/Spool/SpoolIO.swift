import Foundation
import RecurCore

#if canImport(Glibc)
import Glibc
#endif

/// The few system calls the spool's guarantees rest on — rename, fsync, exclusive
/// create, flock — in one place, each turning errno into a `SpoolError`.
public enum SpoolIO {
    /// rename(2): atomic on one filesystem; the basis of claiming and publishing.
    public static func rename(_ from: String, _ to: String) throws(SpoolError) {
        guard Glibc.rename(from, to) == 0 else { throw SpoolError(operation: "rename to \(to)", path: from, code: errno) }
    }

    /// fsync(2) of a file or directory by path.
    public static func sync(_ path: String, directory: Bool = false) throws(SpoolError) {
        let fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(operation: "open for fsync", path: path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SpoolError(operation: "fsync", path: path, code: errno) }
    }

    /// Writes a new file completely and fsyncs it; it must not exist yet.
    public static func writeNew(_ data: Data, to path: String, mode: mode_t = 0o644) throws(SpoolError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SpoolError(operation: "create", path: path, code: errno) }
        var failure = data.withUnsafeBytes { AtomicFile.writeAll($0, to: fd) }
        if failure == nil && fsync(fd) != 0 { failure = errno }
        close(fd)
        if let failure {
            unlink(path)
            throw SpoolError(operation: "write", path: path, code: failure)
        }
    }

    /// mkdir(2).
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(SpoolError) {
        guard mkdir(path, mode) == 0 else { throw SpoolError(operation: "mkdir", path: path, code: errno) }
    }

    /// Removes a file, or a directory tree (used for abandoned work directories only).
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The names in a directory (empty when it cannot be read).
    public static func list(_ directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    /// Opens (creating) `path` and takes an exclusive flock; returns the descriptor,
    /// or nil when another live process holds it (non-blocking).
    public static func lock(_ path: String) -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Opens (creating) `path` and waits for an exclusive flock; returns the descriptor
    /// (close it to unlock), or nil when the file cannot be opened.
    public static func waitForLock(_ path: String) -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o664)
        guard fd >= 0 else { return nil }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                return nil
            }
        }
        return fd
    }

    /// Whether `path` is a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Modification time in seconds, for oldest-first ordering; nil when the file is gone.
    public static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
    }
}
