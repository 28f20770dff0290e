import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and checking job files: the daemon's only door for untrusted input, so
/// every way a file can be wrong ends in a `JobError` for `error.json`, never a
/// crash, a hang or an unbounded read.
public enum JobFile {
    /// Reads a job file without trusting what sits at `path`.
    ///
    /// The file is opened with `O_NOFOLLOW`, so a symlink is refused without being
    /// followed (a job must not make the daemon read another file), and `O_NONBLOCK`,
    /// so a FIFO with no writer cannot stall the caller. Only a regular file is read;
    /// its size is checked with `fstat` before reading and again while reading, since
    /// a file can grow after `fstat`.
    public static func read(path: String, limits: JobLimits) throws(JobError) -> Data {
        let name = (path as NSString).lastPathComponent
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw openError(errno, name: name) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw JobError(
                error: "The job file could not be examined: \(String(cString: strerror(errno))).",
                value: name, hint: "Submit the job again; if this repeats, check the spool's filesystem.")
        }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw JobError(
                error: "The job file is \(describe(type)), not a regular file.", value: name,
                hint: "Write the job to a regular file in tmp/ and rename() it into incoming/.")
        }
        let limit = min(limits.maximumFileBytes, Int.max - 1)  // room for the probe byte
        guard status.st_size <= limit else { throw tooLarge(bytes: Int(status.st_size), limit: limit, name: name) }

        // Ask for one byte past the limit: getting it proves the file grew too large.
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while data.count <= limit {
            let wanted = min(chunk.count, limit + 1 - data.count)
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, wanted) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw JobError(
                    error: "The job file could not be read: \(String(cString: strerror(errno))).",
                    value: name, hint: "Submit the job again; if this repeats, check the spool's filesystem.")
            }
            data.append(contentsOf: chunk[..<count])
        }
        throw tooLarge(bytes: nil, limit: limit, name: name)
    }

    /// Parses and checks a job file's bytes: UTF-8, one JSON object, nesting depth,
    /// exact types, ranges, unknown fields (with the nearest known name). Only the
    /// checks that need no model; the rest are `Job.prepared(for:limits:)`.
    ///
    /// `null` is refused for every field: leaving a field out is the one way to ask
    /// for its default. Duplicate keys, comments, trailing commas and `NaN` are
    /// refused too; a UTF-8 byte order mark at the start is allowed.
    public static func parse(_ data: Data, limits: JobLimits) throws(JobError) -> Job {
        guard data.count <= limits.maximumFileBytes else {
            throw tooLarge(bytes: data.count, limit: limits.maximumFileBytes, name: nil)
        }
        guard !data.isEmpty else {
            throw JobError(
                error: "The job file is empty.",
                hint:
                    "Write a JSON object, at least {\"model\": \"NAME\"}; write it in tmp/ and rename it into incoming/ when complete."
            )
        }
        let bytes = [UInt8](data)
        try checkText(bytes)
        var parser = JSONParser(bytes: bytes, maximumDepth: limits.maximumDepth)
        let members = try parser.parseTopLevelObject()
        return try JobDecoder(limits: limits).decode(members)
    }

    /// Refuses binary files and invalid UTF-8 before parsing, with the byte offset.
    static func checkText(_ bytes: [UInt8]) throws(JobError) {
        if let zero = bytes.firstIndex(of: 0) {
            throw JobError(
                error: "The job file is binary, not JSON text: it has a zero byte at offset \(zero).",
                hint: "A job file is a UTF-8 text file holding a JSON object; check that the right file was submitted.")
        }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return
            case .error:
                let shown = bytes[offset..<min(offset + 4, bytes.count)].map { String($0, radix: 16).uppercased() }
                throw JobError(
                    error: "The job file is not valid UTF-8: invalid byte sequence at offset \(offset).",
                    value: "0x" + shown.joined(separator: " 0x"),
                    hint: "Save the file as UTF-8 (not Latin-1 or UTF-16); a job file is UTF-8 JSON text.")
            }
        }
    }

    private static func openError(_ code: Int32, name: String) -> JobError {
        switch code {
        case ELOOP:
            return JobError(
                error: "The job file is a symbolic link; links are refused and not followed.", value: name,
                hint: "Copy the job into tmp/ and rename() it into incoming/ instead of linking to it.")
        case ENOENT:
            return JobError(
                error: "The job file disappeared before it could be read.", value: name,
                hint: "Leave the file in place until the daemon has moved it to done/ or failed/.")
        case EACCES, EPERM:
            return JobError(
                error: "The daemon may not read the job file.", value: name,
                hint: "Make the file readable by the daemon's user (for example chmod 644).")
        default:
            return JobError(
                error: "The job file could not be opened: \(String(cString: strerror(code))).", value: name,
                hint: "Write the job to a regular file in tmp/ and rename() it into incoming/.")
        }
    }

    private static func tooLarge(bytes: Int?, limit: Int, name: String?) -> JobError {
        let size = bytes.map { " (\($0) bytes)" } ?? ""
        return JobError(
            error: "The job file is larger than the \(limit) bytes allowed\(size).", value: name,
            hint: "A job is a small JSON object; put long primes in fewer characters, or ask the operator to raise the limit.")
    }

    private static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}
