import Foundation

/// One range of a `Range: bytes=…` request header (RFC 9110 §14.1.2), so an audio
/// player can seek without fetching the whole file.
public enum ByteRange: Equatable, Sendable {
    /// No usable range: send the whole file (a header that is absent, names another
    /// unit, or asks for several ranges, which a player does not need).
    case whole
    /// These bytes, both ends included.
    case part(ClosedRange<Int>)
    /// A range outside the file: 416, with `Content-Range: bytes */SIZE`.
    case unsatisfiable

    /// The range `header` asks of a file of `size` bytes.
    public init(header: String?, size: Int) {
        guard let header, header.hasPrefix("bytes="), size >= 0 else {
            self = .whole
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // The last N bytes.
            guard let count = Int(last), count >= 0, last.allSatisfy(\.isASCII) else {
                self = .whole
                return
            }
            self = count == 0 || size == 0 ? .unsatisfiable : .part(max(0, size - count)...(size - 1))
            return
        }
        guard let start = Int(first), start >= 0, first.allSatisfy(\.isASCII) else {
            self = .whole
            return
        }
        guard start < size else {
            self = .unsatisfiable
            return
        }
        if last.isEmpty {
            self = .part(start...(size - 1))
        } else if let end = Int(last), last.allSatisfy(\.isASCII), end >= start {
            self = .part(start...min(end, size - 1))
        } else {
            self = .whole
        }
    }
}
