import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A write that failed, with the path and the system's reason.
public struct FileWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that was being written.
    public let path: String
    /// The failing operation and `strerror` text, e.g. "write: No space left on device".
    public let reason: String
    /// The errno value, when a system call failed.
    public let code: Int32

    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes files so that readers see the old content or the complete new content,
/// never a part: the bytes go to a temporary name in the same directory, are
/// fsync'd, and the temporary file is renamed over the target.
public enum AtomicFile {
    /// Writes `data` to `path` atomically and durably. Nothing is left behind on failure.
    public static func write(_ data: Data, to path: String, permissions: mode_t = 0o644) throws(FileWriteError) {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let temporary =
            (directory.isEmpty ? "" : directory + "/") + ".\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw error(path, "open", errno) }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            let failure = data.withUnsafeBytes { writeAll($0, to: fd) }
            if let failure { throw error(path, "write", failure) }
            guard fsync(fd) == 0 else { throw error(path, "fsync", errno) }
        }
        guard rename(temporary, path) == 0 else { throw error(path, "rename", errno) }
        ok = true
        syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// Writes all of `bytes` to `fd` from its offset, going on after a signal interrupts a
    /// write and after a short one; the errno that stopped it, or nil.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            guard written > 0 else { return EIO }
            offset += written
        }
        return nil
    }

    /// fsyncs a directory so that a rename inside it survives a power cut.
    public static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func error(_ path: String, _ operation: String, _ code: Int32) -> FileWriteError {
        FileWriteError(path: path, reason: "\(operation): \(String(cString: strerror(code)))", code: code)
    }
}
