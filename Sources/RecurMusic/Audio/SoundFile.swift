import CSndFile
import Foundation
import RecurCore

#if canImport(Glibc)
import Glibc
#endif

/// A libsndfile failure, with the file and libsndfile's (or the system's) reason.
public struct SoundFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file being written or read.
    public let path: String
    /// `write` or `read`.
    public let operation: String
    /// What failed, e.g. "sf_open: Format not recognised." or "rename: Permission denied".
    public let reason: String

    public var description: String { "cannot \(operation) audio file \(path): \(reason)" }
}

/// Audio files through libsndfile: WAV, FLAC, Ogg/Vorbis and MP3.
public enum SoundFile {
    /// Writes `audio` to `path` as `format` (not `.midi`), atomically and durably: the
    /// samples go to a temporary name in the same directory, which is fsync'd and
    /// renamed over `path`, so readers never see a partial file. Nothing is left
    /// behind on failure.
    ///
    /// `sampleFormat` applies to WAV (16, 24, float) and FLAC (16, 24); Ogg/Vorbis ignores it.
    /// - Throws: `SoundFileError` naming `path`, with `sf_strerror`'s text.
    public static func write(
        _ audio: AudioBuffer, to path: String, format: OutputFormat, sampleFormat: SampleFormat = .pcm16
    ) throws(SoundFileError) {
        let major: Int
        switch format {
        case .wav: major = SF_FORMAT_WAV
        case .flac: major = SF_FORMAT_FLAC
        case .ogg: major = SF_FORMAT_OGG
        case .mp3: major = SF_FORMAT_MPEG
        case .midi, .abc, .svg, .musicxml, .score, .pdf:
            throw SoundFileError(path: path, operation: "write", reason: "\(format.rawValue) is not an audio format")
        }
        let minor: Int
        switch (format, sampleFormat) {
        case (.ogg, _): minor = SF_FORMAT_VORBIS
        case (.mp3, _): minor = SF_FORMAT_MPEG_LAYER_III
        case (_, .pcm16): minor = SF_FORMAT_PCM_16
        case (_, .pcm24): minor = SF_FORMAT_PCM_24
        case (.wav, .float): minor = SF_FORMAT_FLOAT
        default:
            throw SoundFileError(
                path: path, operation: "write",
                reason: "\(format.rawValue) cannot store \(sampleFormat.rawValue) samples; use 16 or 24")
        }
        var info = SF_INFO()
        info.samplerate = Int32(audio.sampleRate)
        info.channels = Int32(audio.channels)
        info.format = Int32(major | minor)
        guard sf_format_check(&info) != 0 else {
            throw SoundFileError(
                path: path, operation: "write",
                reason: "libsndfile cannot write \(format.rawValue) with \(audio.channels) channels at \(audio.sampleRate) Hz")
        }

        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let temporary =
            (directory.isEmpty ? "" : directory + "/") + ".\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw SoundFileError(
                    path: path, operation: "write", reason: "the directory \(directory.isEmpty ? "." : directory) does not exist")
            }
            throw systemError(path, "open", code)
        }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        guard let file = sf_open_fd(fd, Int32(SFM_WRITE), &info, 0) else {
            throw SoundFileError(path: path, operation: "write", reason: "sf_open: " + String(cString: sf_strerror(nil)))
        }
        let writeFailure = writeInChunks(audio, to: file)
        let closed = sf_close(file)
        if let writeFailure { throw SoundFileError(path: path, operation: "write", reason: writeFailure) }
        guard closed == 0 else {
            throw SoundFileError(path: path, operation: "write", reason: "sf_close: " + String(cString: sf_error_number(closed)))
        }
        if format == .ogg { try fixOggSerial(fd, path: path) }
        guard fsync(fd) == 0 else { throw systemError(path, "fsync", errno) }
        guard rename(temporary, path) == 0 else { throw systemError(path, "rename", errno) }
        renamed = true
        AtomicFile.syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// Gives the Ogg file open at `fd` Recur's fixed stream serial number (`OggPages`), so
    /// that the same audio writes the same bytes; a file that is not whole Ogg pages is
    /// left as libsndfile wrote it.
    private static func fixOggSerial(_ fd: Int32, path: String) throws(SoundFileError) {
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw systemError(path, "lseek", errno) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw systemError(path, "read", count == 0 ? EIO : errno) }
            done += count
        }
        guard let fixed = OggPages.withFixedSerial(bytes) else { return }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw systemError(path, "lseek", errno) }
        if let failure = fixed.withUnsafeBytes({ AtomicFile.writeAll($0, to: fd) }) {
            throw systemError(path, "write", failure)
        }
    }

    /// What a sound file holds, read through libsndfile.
    public struct Contents: Sendable, Equatable {
        /// The samples as floats in −1…1, interleaved.
        public var audio: AudioBuffer
        /// libsndfile's major format (`SF_FORMAT_WAV`, …) and sample encoding, combined.
        public var format: Int
    }

    /// Reads a whole sound file (any format libsndfile knows) as floats.
    /// - Throws: `SoundFileError` naming `path`, with `sf_strerror`'s text.
    public static func read(_ path: String) throws(SoundFileError) -> Contents {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw SoundFileError(path: path, operation: "read", reason: "sf_open: " + String(cString: sf_strerror(nil)))
        }
        defer { sf_close(file) }
        let frames = Int(info.frames)
        let channels = Int(info.channels)
        var samples = [Float](repeating: 0, count: frames * channels)
        let read = samples.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, info.frames) }
        guard read == info.frames else {
            throw SoundFileError(
                path: path, operation: "read",
                reason: "sf_readf_float: read \(read) of \(frames) frames: " + String(cString: sf_strerror(file)))
        }
        return Contents(
            audio: AudioBuffer(samples: samples, channels: channels, sampleRate: Int(info.samplerate)),
            format: Int(info.format))
    }

    /// Frames per `sf_writef_float` call. libvorbis takes its analysis buffer from the
    /// stack, so one call with a whole tune overflows it (a crash, not an error).
    static let chunkFrames = 4096

    /// Writes every frame, a chunk at a time; the failure's text, or `nil`.
    private static func writeInChunks(_ audio: AudioBuffer, to file: OpaquePointer) -> String? {
        audio.samples.withUnsafeBufferPointer { samples in
            var frame = 0
            while frame < audio.frames {
                let count = min(chunkFrames, audio.frames - frame)
                let written = sf_writef_float(file, samples.baseAddress.map { $0 + frame * audio.channels }, sf_count_t(count))
                guard written == count else { return "sf_writef_float: " + String(cString: sf_strerror(file)) }
                frame += count
            }
            return nil
        }
    }

    private static func systemError(_ path: String, _ operation: String, _ code: Int32) -> SoundFileError {
        SoundFileError(path: path, operation: "write", reason: "\(operation): \(String(cString: strerror(code)))")
    }
}
