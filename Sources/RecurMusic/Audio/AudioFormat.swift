/// The files a melody can be written as.
///
/// A format's name is its raw value (`wav`, `musicxml` …); `xml` is read as `musicxml`
/// too, as the extension most programs give MusicXML.
public enum OutputFormat: RawRepresentable, Sendable, Hashable, CaseIterable, Codable {
    /// RIFF WAVE through libsndfile.
    case wav
    /// FLAC (lossless) through libsndfile.
    case flac
    /// Ogg/Vorbis (lossy) through libsndfile.
    case ogg
    /// MPEG-1 layer III (lossy) through libsndfile, which encodes with LAME.
    case mp3
    /// A Standard MIDI File (type 0): notes, not sound.
    case midi
    /// ABC notation 2.1: the tune as text a musician reads (`ABCNotation`).
    case abc
    /// A piano-roll picture (`PianoRoll`).
    case svg
    /// A MusicXML 4.0 score, uncompressed: one part per voice (`MusicXML`).
    case musicxml
    /// Engraved staff notation as SVG: the tune's ABC set by abcm2ps (`ScoreEngraver`).
    case score
    /// The engraved score as PDF, one page per tune (abcm2ps, then rsvg-convert).
    case pdf

    /// The format a name stands for: `wav`, `flac`, `ogg`, `mp3`, `midi`, `abc`, `svg`,
    /// `musicxml` or `xml`; nil for anything else.
    public init?(rawValue: String) {
        switch rawValue {
        case "wav": self = .wav
        case "flac": self = .flac
        case "ogg": self = .ogg
        case "mp3": self = .mp3
        case "midi": self = .midi
        case "abc": self = .abc
        case "svg": self = .svg
        case "musicxml", "xml": self = .musicxml
        case "score": self = .score
        case "pdf": self = .pdf
        default: return nil
        }
    }

    /// The format's name, as a job file and result.json write it.
    public var rawValue: String {
        switch self {
        case .wav: "wav"
        case .flac: "flac"
        case .ogg: "ogg"
        case .mp3: "mp3"
        case .midi: "midi"
        case .abc: "abc"
        case .svg: "svg"
        case .musicxml: "musicxml"
        case .score: "score"
        case .pdf: "pdf"
        }
    }

    /// The format a file name's extension implies (`.wav`, `.flac`, `.ogg`/`.oga`, `.mp3`,
    /// `.mid`/`.midi`, `.abc`, `.svg` (a piano roll), `.score.svg` (an engraved score), `.pdf`,
    /// `.musicxml`/`.xml`), case-insensitive; `nil` for
    /// anything else.
    public init?(path: String) {
        if path.lowercased().hasSuffix(".score.svg") {
            self = .score
            return
        }
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "ogg", "oga": self = .ogg
        case "mp3": self = .mp3
        case "mid", "midi", "smf": self = .midi
        case "abc": self = .abc
        case "svg": self = .svg
        case "musicxml", "xml": self = .musicxml
        case "pdf": self = .pdf
        default: return nil
        }
    }

    /// The usual file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .midi: "mid"
        case .score: "score.svg"
        default: rawValue
        }
    }

    /// Whether the format holds audio samples (WAV, FLAC, Ogg, MP3).
    public var isAudio: Bool { [.wav, .flac, .ogg, .mp3].contains(self) }

    /// The names a user may give, for help and error messages.
    public static let names = "wav, flac, ogg, mp3, midi, abc, svg, musicxml, score, pdf"
}

/// How audio samples are stored in the file.
public enum SampleFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// 16-bit integers (WAV, FLAC).
    case pcm16 = "16"
    /// 24-bit integers (WAV, FLAC).
    case pcm24 = "24"
    /// 32-bit IEEE floats (WAV only).
    case float
}
