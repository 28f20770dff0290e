import Foundation
import Glibc

/// The free space of the spool's filesystem, and what a full one looks like in an error:
/// a full filesystem is the spool's condition, not a job's fault, so the daemon puts such
/// a job back and waits for space instead of failing it.
public enum SpoolSpace {
    /// Bytes an unprivileged writer may still use on the filesystem holding `path`
    /// (`statvfs`: available blocks × fragment size); nil when it cannot be read.
    public static func freeBytes(at path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) &* UInt64(info.f_frsize)
    }

    /// Whether `error` says a write found the filesystem full (ENOSPC) or the quota used up
    /// (EDQUOT). The writers' errors carry the system's message (`strerror`) as text.
    public static func isOutOfSpace(_ error: any Error) -> Bool {
        if let cocoa = error as? CocoaError, cocoa.code == .fileWriteOutOfSpace { return true }
        let text = "\(error)"
        return [ENOSPC, EDQUOT].contains { text.contains(String(cString: strerror($0))) }
    }

    /// Reads a size such as `64M`, `1G`, `500k` or `1048576` (bytes; k, M, G, T are powers
    /// of 1024); nil for anything else.
    public static func parseSize(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = text
        var scale: UInt64 = 1
        if let last = text.last, let unit = units[last] {
            digits = String(text.dropLast())
            scale = unit
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = UInt64(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }
}
