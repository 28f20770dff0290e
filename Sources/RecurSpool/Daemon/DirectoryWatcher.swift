import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What changed in a watched directory.
public enum DirectoryChange: Sendable, Equatable {
    /// These names were written or moved in (inotify), in the order reported.
    case names([String])
    /// Anything may have changed: list the whole directory. Sent by the periodic rescan
    /// and after an inotify overflow.
    case everything
}

/// Tells the daemon when names appeared in a directory: inotify
/// (`IN_CLOSE_WRITE | IN_MOVED_TO`) read through a Dispatch read source, with the names
/// the events carry, plus a periodic rescan for what inotify cannot promise (queue
/// overflow, network filesystems, events missed while starting).
public final class DirectoryWatcher: @unchecked Sendable {
    private let descriptor: Int32
    private let source: DispatchSourceRead
    private let timer: DispatchSourceTimer

    /// Starts watching `directory` on `queue`; `onChange` runs on `queue`.
    public init(
        directory: String, rescanInterval: Double, queue: DispatchQueue,
        onChange: @escaping @Sendable (DirectoryChange) -> Void
    ) throws(SpoolError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SpoolError(operation: "inotify_init1", path: directory, code: errno) }
        guard inotify_add_watch(fd, directory, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO)) >= 0 else {
            let code = errno
            close(fd)
            throw SpoolError(operation: "inotify_add_watch", path: directory, code: code)
        }
        descriptor = fd
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            onChange(DirectoryWatcher.drain(fd))
        }
        source.setCancelHandler { close(fd) }
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + rescanInterval, repeating: rescanInterval, leeway: .milliseconds(100))
        timer.setEventHandler { onChange(.everything) }
        source.resume()
        timer.resume()
    }

    /// Stops watching.
    public func cancel() {
        timer.cancel()
        source.cancel()
    }

    /// Reads every pending event: the names they carry, or `.everything` when the
    /// kernel's queue overflowed.
    private static func drain(_ fd: Int32) -> DirectoryChange {
        var overflow = false
        var names: [String] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            var offset = 0
            // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; },
            // the name NUL-terminated and padded with NULs.
            while offset + 16 <= count {
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
                let name = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                if !name.isEmpty { names.append(String(decoding: name, as: UTF8.self)) }
                offset += 16 + length
            }
        }
        return overflow ? .everything : .names(names)
    }
}
