import Foundation

/// A melody as a musician hands it over — ABC, a Standard MIDI File, MusicXML, or Recur's
/// own note tokens — read into the monophonic note tokens that harmonising takes
/// (docs/MUSIC.md, "Harmonising a melody"), with what the file says of meter, key and mode.
///
/// Musicians keep tunes in ABC (thesession.org), MIDI or a notation program's MusicXML, not
/// in `n67 - - - |`; this reader spares them the transcription. The format is told by
/// content, not by a file name, so a job's string field works as well as a file:
///
/// - MIDI starts with `MThd` (in a job's string, as base64: `TVRoZ…`);
/// - MusicXML holds `<score-partwise`; a compressed `.mxl` (a zip, `PK…`) is refused;
/// - ABC has a `K:` header line;
/// - anything else is note tokens, returned trimmed and otherwise unchanged (their own
///   reader checks them).
///
/// Every reader takes one voice on the 16th-note grid and refuses, naming the bar and
/// beat, whatever it cannot turn into that: chords, second voices, tuplets, grace notes,
/// a change of meter or key after the first note, lengths off the grid. The tokens hold
/// real pitches, accidentals and key signature applied, in the key the file is written
/// in; a bar line `|` closes every bar, the last one included.
public struct MelodyInput: Sendable, Equatable {
    /// The formats a melody can come in.
    public enum Format: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Recur's note tokens, `n67 - - - |`.
        case tokens
        /// ABC notation 2.1.
        case abc
        /// A Standard MIDI File, format 0 or 1.
        case midi
        /// Uncompressed MusicXML, `score-partwise`.
        case musicxml

        /// The format's name as musicians write it, for messages.
        public var description: String {
            switch self {
            case .tokens: "note tokens"
            case .abc: "ABC"
            case .midi: "MIDI"
            case .musicxml: "MusicXML"
            }
        }
    }

    /// The format the input was read as.
    public var format: Format
    /// Monophonic note tokens with bar lines, in the key the file is written in (real MIDI
    /// pitches, accidentals applied); the input itself, trimmed, for `.tokens`.
    public var tokens: String
    /// The meter the file gives (ABC `M:`, MusicXML `<time>`, a MIDI time signature); nil
    /// when it gives none.
    public var meter: Meter?
    /// The key's tonic the file gives (ABC `K:`, MusicXML `<key>`, a MIDI key signature);
    /// nil when it gives none. A signature without a mode names its major key's tonic.
    public var key: Tonic?
    /// The mode the file gives (major, minor, dorian …); nil when it gives none.
    public var mode: Mode?

    /// The longest melody read, in 16th-note steps (1,024 bars of 4/4, over half an hour
    /// at 120 quarters a minute): longer input is refused, so that no file, however
    /// hostile, can make the token text huge.
    public static let maximumSteps = 16_384

    /// A melody read by a reader.
    init(format: Format, tokens: String, meter: Meter?, key: Tonic?, mode: Mode?) {
        self.format = format
        self.tokens = tokens
        self.meter = meter
        self.key = key
        self.mode = mode
    }

    /// Reads a file's bytes: MIDI, MusicXML, ABC or note tokens, told apart by content.
    ///
    /// Text may be UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order
    /// mark; an ABC file in Latin-1, as older ones are, is read too.
    /// - Throws: `MelodyInputError` naming the format, the bar and beat when known, and
    ///   what to change.
    public init(data: Data) throws(MelodyInputError) {
        if data.starts(with: Self.midiMagic) {
            self = try MIDIMelodyReader.read(data)
            return
        }
        if data.starts(with: Self.zipMagic) { throw MelodyInputError(format: .musicxml, problem: .compressed) }
        guard let text = Self.text(of: data) else {
            throw MelodyInputError(
                format: nil,
                problem: .unsupported(
                    "binary data that is not a Standard MIDI File (no MThd header); give ABC, MIDI, MusicXML or note tokens"))
        }
        try self.init(text: text, xml: data)
    }

    /// Reads a job field's string: note tokens, ABC, MusicXML, or a MIDI file as base64
    /// (which starts `TVRoZ`, the base64 of `MThd`).
    /// - Throws: `MelodyInputError` naming the format, the bar and beat when known, and
    ///   what to change.
    public init(text: String) throws(MelodyInputError) {
        try self.init(text: text, xml: nil)
    }

    /// Reads `text`; `xml` is the file's own bytes, handed to the XML parser as they are
    /// so that an encoding declaration keeps its meaning.
    private init(text: String, xml: Data?) throws(MelodyInputError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            throw MelodyInputError(
                format: nil, problem: .malformed("the input is empty; give ABC, MIDI, MusicXML or note tokens"))
        }
        if trimmed.hasPrefix("TVRoZ") {
            guard let data = Data(base64Encoded: trimmed, options: .ignoreUnknownCharacters) else {
                throw MelodyInputError(
                    format: .midi,
                    problem: .malformed(
                        "starts like base64 of a MIDI file (TVRoZ) but is not valid base64; encode the whole file"))
            }
            self = try MIDIMelodyReader.read(data)
            return
        }
        if trimmed.hasPrefix("UEsDB") { throw MelodyInputError(format: .musicxml, problem: .compressed) }
        if trimmed.contains("<score-partwise") {
            self = try MusicXMLMelodyReader.read(xml ?? Data(trimmed.utf8))
            return
        }
        if trimmed.contains("<score-timewise") {
            throw MelodyInputError(
                format: .musicxml,
                problem: .unsupported(
                    "a timewise score (<score-timewise>); export it as partwise MusicXML, as notation programs do"))
        }
        if trimmed.hasPrefix("<"), !trimmed.hasPrefix(NoteEncoding.endOfTune) {
            throw MelodyInputError(
                format: .musicxml, problem: .malformed("XML without <score-partwise>; give a MusicXML score (partwise)"))
        }
        if Self.looksLikeABC(trimmed) {
            self = try ABCMelodyReader.read(trimmed)
            return
        }
        if trimmed.unicodeScalars.contains(where: { $0.value < 0x20 && !"\t\n\r".unicodeScalars.contains($0) }) {
            throw MelodyInputError(
                format: nil,
                problem: .unsupported("binary data (control characters); give ABC, MIDI, MusicXML or note tokens"))
        }
        self.init(format: .tokens, tokens: trimmed, meter: nil, key: nil, mode: nil)
    }

    /// `MThd`, the first bytes of a Standard MIDI File.
    private static let midiMagic = Data("MThd".utf8)
    /// `PK`, the first bytes of a zip archive such as a compressed `.mxl`.
    private static let zipMagic = Data("PK".utf8)

    /// ABC has a `K:` line (and usually `X:`); note tokens may start with a `K:mode` header
    /// too, so text whose every word is a note token, a bar line or a header stays tokens.
    /// An `X:` line without `K:` is ABC too, so that its reader can say `K:` is missing.
    static func looksLikeABC(_ text: String) -> Bool {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.drop { $0 == " " || $0 == "\t" } }
        guard lines.contains(where: { $0.hasPrefix("K:") || $0.hasPrefix("X:") }) else { return false }
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        return !words.allSatisfy {
            NoteToken($0) != nil || $0 == NoteEncoding.barLine || TuneHeaderToken.looksLikeHeader($0)
        }
    }

    /// The text of a file: UTF-8, UTF-16 with a byte-order mark, or Latin-1 when that
    /// reads as ABC; nil for anything else (binary data).
    static func text(of data: Data) -> String? {
        let bytes = [UInt8](data.prefix(2))
        if bytes == [0xFF, 0xFE] || bytes == [0xFE, 0xFF] { return String(data: data, encoding: .utf16) }
        if let text = String(data: data, encoding: .utf8) {
            return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        }
        if let latin = String(data: data, encoding: .isoLatin1), looksLikeABC(latin) { return latin }
        return nil
    }
}
