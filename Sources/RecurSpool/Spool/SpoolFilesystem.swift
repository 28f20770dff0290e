import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the spool's filesystem is, and the one system call the spool needs that Glibc's
/// Swift module does not declare: renameat2(2) with RENAME_NOREPLACE.
public enum SpoolFilesystem {
    /// The kinds of filesystem the daemon treats differently.
    public enum Kind: String, Sendable {
        /// A filesystem of this host (ext4, XFS, Btrfs, tmpfs …): inotify sees every change.
        case local
        /// NFS, CephFS, SMB, or FUSE (JuiceFS, …): shared with other hosts, whose changes
        /// inotify never sees, so incoming/ is listed often instead.
        case network
    }

    /// The filesystem holding `path` and its type as the kernel names it (`ext4`,
    /// `nfs4`, `fuse.juicefs` …), from the longest mount point of /proc/self/mountinfo
    /// that contains it.
    public static func kind(of path: String) -> (kind: Kind, name: String) {
        let resolved =
            realpath(path, nil).map { pointer in
                defer { free(pointer) }
                return String(cString: pointer)
            } ?? path
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else {
            return (.local, "unknown")
        }
        var best: (point: String, type: String)?
        for line in table.split(separator: "\n") {
            // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPER
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside && point.count >= (best?.point.count ?? -1) { best = (point, String(fields[dash + 1])) }
        }
        guard let type = best?.type else { return (.local, "unknown") }
        return (isShared(type) ? .network : .local, type)
    }

    /// Whether a filesystem type is shared with other hosts (or, for FUSE, may be).
    public static func isShared(_ type: String) -> Bool {
        let shared = [
            "nfs", "nfs4", "ceph", "cifs", "smb3", "smbfs", "afs", "lustre", "gpfs", "9p", "glusterfs", "ocfs2", "gfs2",
        ]
        return shared.contains(type) || type == "fuse" || type.hasPrefix("fuse.") || type.hasPrefix("fuseblk")
    }

    private typealias Renameat2 =
        @convention(c) (
            Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
        ) -> Int32

    /// Glibc's renameat2, found at run time (it is in every glibc since 2.28).
    private static let renameat2: Renameat2? = {
        guard let symbol = dlsym(nil, "renameat2") else { return nil }  // nil: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: Renameat2.self)
    }()

    /// rename(2) that fails with EEXIST rather than replace `to`: renameat2 with
    /// RENAME_NOREPLACE, where the filesystem has it. Where it has not (EINVAL), a file is
    /// linked to `to` (which fails when `to` exists) and unlinked from `from`; a directory
    /// is renamed plainly — the spool renames directories only under its publish lock and
    /// after looking, and never onto a directory that is not empty.
    public static func renameNoReplace(_ from: String, _ to: String) throws(SpoolError) {
        if let renameat2 {
            if renameat2(AT_FDCWD, from, AT_FDCWD, to, 1) == 0 { return }
            let code = errno
            guard code == EINVAL || code == ENOSYS else {
                throw SpoolError(operation: "rename to \(to)", path: from, code: code)
            }
        }
        var info = stat()
        guard lstat(from, &info) == 0 else { throw SpoolError(operation: "rename to \(to)", path: from, code: errno) }
        if info.st_mode & S_IFMT == S_IFDIR {
            try SpoolIO.rename(from, to)
            return
        }
        guard link(from, to) == 0 else { throw SpoolError(operation: "link to \(to)", path: from, code: errno) }
        guard unlink(from) == 0 else {
            let code = errno
            unlink(to)
            throw SpoolError(operation: "unlink after linking to \(to)", path: from, code: code)
        }
    }
}
