import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file given on a command line or in a checkpoint, with a reason a user
/// can act on. Foundation alone says "You don't have permission" for a FIFO and gives an
/// NSCocoaErrorDomain number for a directory; this names what the path is instead, and
/// never opens a FIFO (which would wait for a writer).
public enum FileReading {
    /// Why `path` is not a readable regular file ("it does not exist", "it is a
    /// directory", "it is a FIFO, not a regular file" …), or nil when it is one.
    public static func problem(with path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT ? "it does not exist" : String(cString: strerror(errno))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "it is a directory"
        case S_IFIFO: return "it is a FIFO, not a regular file"
        case S_IFCHR, S_IFBLK: return "it is a device, not a regular file"
        case S_IFSOCK: return "it is a socket, not a regular file"
        default: return "it is not a regular file"
        }
    }

    /// The bytes of the regular file at `path`; the error is the reason, for the caller
    /// to put in its own message.
    public static func read(_ path: String, mapped: Bool = false) throws(FileReadError) -> Data {
        if let problem = problem(with: path) { throw FileReadError(reason: problem) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: mapped ? .mappedIfSafe : [])
        } catch {
            throw FileReadError(reason: Safetensors.describe(error))
        }
    }
}

/// Why a file could not be read, in a few words ("it is a directory").
public struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
