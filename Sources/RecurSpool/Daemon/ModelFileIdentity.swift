import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What makes a model file the same file: device, inode, size and the modification and
/// status-change times to the nanosecond.
///
/// A retrained model of the same architecture has exactly the same size, so size alone
/// cannot tell a replacement apart. A replacement by rename brings a new inode; an
/// in-place rewrite changes the times.
public struct ModelFileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: timespec
    let changed: timespec

    /// The identity of the file at `path` now (following symbolic links, as loading
    /// does), or nil when it cannot be read.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }
}
