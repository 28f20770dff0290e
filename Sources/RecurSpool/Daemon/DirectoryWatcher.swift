import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells the daemon when names may have appeared in a directory: inotify
/// (`IN_CLOSE_WRITE | IN_MOVED_TO`) read through a Dispatch read source, plus a periodic
/// rescan for what inotify cannot promise (queue overflow, network filesystems, events
/// missed while starting). The callback is told whether to rescan everything (true on the
/// periodic rescan and after an inotify overflow) or only that events arrived; the names
/// in the events are not needed, since a scan lists the directory anyway.
public final class DirectoryWatcher: @unchecked Sendable {
    private let descriptor: Int32
    private let source: DispatchSourceRead
    private let timer: DispatchSourceTimer

    /// Starts watching `directory` on `queue`; `onChange` runs on `queue`.
    public init(
        directory: String, rescanInterval: Double, queue: DispatchQueue,
        onChange: @escaping @Sendable (_ rescanEverything: Bool) -> Void
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
        timer.setEventHandler { onChange(true) }
        source.resume()
        timer.resume()
    }

    /// Stops watching.
    public func cancel() {
        timer.cancel()
        source.cancel()
    }

    /// Reads every pending event; returns whether the kernel's queue overflowed.
    private static func drain(_ fd: Int32) -> Bool {
        var overflow = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            var offset = 0
            // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[]; }
            while offset + 16 <= count {
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
                offset += 16 + length
            }
        }
        return overflow
    }
}
