/// A melody (or several voices) decoded from tokens, with what decoding had to forgive.
public struct DecodedMelody: Sendable, Hashable {
    /// The notes and length of each voice, the highest first; one for a melody.
    public var voices: [Melody]
    /// Notes whose pitch was outside the encoding's range and was moved by octaves.
    public var movedPitches: Int
    /// Tokens after the `<eos>` that ended the tune, which were not decoded.
    public var ignoredTokens: Int
    /// Step tokens of a last step that did not have one per voice (cut short by `<eos>` or
    /// the end of the tokens), which were dropped.
    public var droppedTokens: Int = 0
    /// Bar lines between the voices of one step, which were ignored.
    public var misplacedBarLines: Int = 0
    /// The meter of an `M:` header before the first step; nil without one.
    public var meter: Meter? = nil
    /// The mode of a `K:` header before the first step; nil without one.
    public var mode: Mode? = nil
    /// Steps at which a bar line `|` falls, ascending, each in 1…`melody.steps`.
    public var barLines: [Int] = []
    /// Header tokens after the first step, which were ignored.
    public var misplacedHeaders: Int = 0

    /// The first (highest) voice: the whole tune when it has one.
    public var melody: Melody { voices[0] }

    /// The tune: the voices with their meter, mode and bars, still on the white keys.
    public var tune: Tune { Tune(voices: voices, meter: meter, mode: mode, barLines: barLines) }

    /// The tune moved to `key`'s tonic (keeping its mode), or as decoded when `key` is nil.
    public func tune(in key: Tonic?) -> Tune { key.map { tune.inKey($0) } ?? tune }
}

/// A token sequence that cannot be turned into a melody.
public struct NoteDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Sendable, Equatable {
        /// A token that is not a note, hold, rest, `<eos>`, bar line, header or marker.
        case unknownToken(String)
        /// A token that starts like a header (`M:`, `K:`) but names no meter or mode.
        case unknownHeader(String)
        /// No note, hold or rest before the end (nothing, or only `<eos>` and markers).
        case emptyTune
    }

    /// What went wrong.
    public let problem: Problem
    /// The 0-based index of the offending token (unknown tokens only).
    public let index: Int?
    /// How many tokens the sequence had.
    public let count: Int

    public var description: String {
        switch problem {
        case .unknownToken(let token):
            let position = (index ?? 0) + 1
            return "unknown note token \(token.debugDescription) (token \(position) of \(count)); "
                + "expected n<midi> (e.g. n60), '-' (hold), 'r' (rest), '|' (bar line), a header (M:6/8, K:minor) or <eos>"
        case .unknownHeader(let token):
            let position = (index ?? 0) + 1
            let expected =
                token.hasPrefix(NoteEncoding.meterPrefix)
                ? "a meter is M:N/D with N 1…32 and D 1, 2, 4, 8 or 16 (e.g. M:6/8)"
                : "a mode is " + Mode.allCases.map { "K:" + $0.rawValue }.joined(separator: ", ")
            return "unknown header token \(token.debugDescription) (token \(position) of \(count)); \(expected)"
        case .emptyTune:
            return "the tune is empty: \(count) token\(count == 1 ? "" : "s") but no note, hold or rest to render"
        }
    }
}

extension NoteEncoding {
    /// Turns a model's tokens into a melody (or `voices` of them), forgiving anything a
    /// model can emit.
    ///
    /// Rules (docs/MUSIC.md):
    /// - `<eos>` tokens before the first step are skipped; the first `<eos>` after a
    ///   step ends the tune and later tokens are counted in `ignoredTokens`. A missing
    ///   `<eos>` is fine: the tune ends with the last token.
    /// - With several voices a step is one step token per voice, the highest first; a
    ///   last step with fewer is dropped (`droppedTokens`), and a bar line or header
    ///   between the tokens of one step is ignored (`misplacedBarLines`, `misplacedHeaders`).
    /// - `-` with nothing to hold (at the start) is a rest; `r` during a rest extends it.
    /// - `n<p>` always starts a new note, even at the pitch already sounding.
    /// - A pitch outside `lowestPitch…highestPitch` is moved by whole octaves into the
    ///   range (clamped to the nearer end if the range is narrower than an octave).
    /// - Markers take no time.
    ///
    /// - Throws: `NoteDecodingError` for an unknown token or a tune with no steps.
    public func decode(_ tokens: [String]) throws(NoteDecodingError) -> DecodedMelody {
        let markerSet = Set(markers)
        let voiceCount = max(1, voices)
        var notes = [[Note]](repeating: [], count: voiceCount)
        var inNote = [Bool](repeating: false, count: voiceCount)
        var pending: [NoteToken] = []  // the step tokens of the step being read
        var steps = 0
        var moved = 0
        var decoded = DecodedMelody(voices: [], movedPitches: 0, ignoredTokens: 0)
        func finished(ignoring ignored: Int) -> DecodedMelody {
            decoded.voices = notes.map { Melody(notes: $0, steps: steps) }
            decoded.movedPitches = moved
            decoded.ignoredTokens = ignored
            decoded.droppedTokens = pending.count
            return decoded
        }
        for (index, text) in tokens.enumerated() {
            guard let token = NoteToken(text) else {
                if markerSet.contains(text) { continue }
                if text == Self.barLine {
                    // A bar line before any step, or right after another, closes no bar.
                    if !pending.isEmpty {
                        decoded.misplacedBarLines += 1
                    } else if steps > 0 && decoded.barLines.last != steps {
                        decoded.barLines.append(steps)
                    }
                    continue
                }
                guard TuneHeaderToken.looksLikeHeader(text) else {
                    throw NoteDecodingError(problem: .unknownToken(text), index: index, count: tokens.count)
                }
                guard let header = TuneHeaderToken(text) else {
                    throw NoteDecodingError(problem: .unknownHeader(text), index: index, count: tokens.count)
                }
                let atStart = steps == 0 && pending.isEmpty
                switch header {
                case .meter(let meter) where atStart && decoded.meter == nil: decoded.meter = meter
                case .mode(let mode) where atStart && decoded.mode == nil: decoded.mode = mode
                default: decoded.misplacedHeaders += 1
                }
                continue
            }
            if token == .endOfTune {
                if steps > 0 { return finished(ignoring: tokens.count - index - 1) }
                guard pending.isEmpty else { break }
                continue
            }
            pending.append(token)
            guard pending.count == voiceCount else { continue }
            for (voice, token) in pending.enumerated() {
                switch token {
                case .note(let written):
                    let pitch = pitchInRange(written)
                    if pitch != written { moved += 1 }
                    notes[voice].append(Note(pitch: pitch, start: steps, length: 1))
                    inNote[voice] = true
                case .hold:
                    if inNote[voice] { notes[voice][notes[voice].count - 1].length += 1 }
                case .rest:
                    inNote[voice] = false
                case .endOfTune:
                    break
                }
            }
            pending.removeAll(keepingCapacity: true)
            steps += 1
        }
        guard steps > 0 else { throw NoteDecodingError(problem: .emptyTune, index: nil, count: tokens.count) }
        return finished(ignoring: 0)
    }

    /// The pitch moved by whole octaves into `lowestPitch…highestPitch`, or clamped to
    /// the nearer end when no octave of it fits.
    public func pitchInRange(_ pitch: Int) -> Int {
        var moved = pitch
        if moved < lowestPitch { moved += 12 * ((lowestPitch - moved + 11) / 12) }
        if moved > highestPitch { moved -= 12 * ((moved - highestPitch + 11) / 12) }
        if moved < lowestPitch { return pitch < lowestPitch ? lowestPitch : highestPitch }
        return moved
    }

    /// The canonical tokens of a tune: its `M:` and `K:` headers (when it has them), then
    /// each step's token of every voice, the highest first, a bar line after each of its
    /// bars, and `<eos>` when `endOfTune` is true. Decoding the result with as many
    /// `voices` gives the tune back.
    public func tokens(for tune: Tune, endOfTune: Bool = true) -> [String] {
        var tokens: [String] = []
        if let meter = tune.meter { tokens.append(Self.meterPrefix + meter.description) }
        if let mode = tune.mode { tokens.append(Self.modePrefix + mode.rawValue) }
        let perVoice = tune.voices.map { self.tokens(for: $0, endOfTune: false) }
        let barEnds = Set(tune.barLines)
        tokens.reserveCapacity(tokens.count + tune.steps * (tune.voices.count + 1) + 1)
        for step in 0..<tune.steps {
            for voice in perVoice { tokens.append(voice[step]) }
            if barEnds.contains(step + 1) { tokens.append(Self.barLine) }
        }
        if endOfTune { tokens.append(Self.endOfTune) }
        return tokens
    }

    /// The canonical tokens of a melody: `r` then `-` for a rest, `n<p>` then `-` for a
    /// note, and `<eos>` at the end when `endOfTune` is true.
    ///
    /// Decoding the result gives the melody back. A note that would overlap the next is
    /// cut where the next begins; notes shorter than one step last one step.
    public func tokens(for melody: Melody, endOfTune: Bool = true) -> [String] {
        var tokens: [String] = []
        tokens.reserveCapacity(melody.steps + 1)
        let notes = melody.notes.sorted { $0.start < $1.start }
        var step = 0
        for (i, note) in notes.enumerated() {
            let start = max(note.start, step)
            if start > step {
                tokens.append(Self.rest)
                tokens.append(contentsOf: repeatElement(Self.hold, count: start - step - 1))
            }
            let next = i + 1 < notes.count ? notes[i + 1].start : Int.max
            let length = max(1, min(note.start + note.length, next) - start)
            tokens.append(Self.notePrefix + String(note.pitch))
            tokens.append(contentsOf: repeatElement(Self.hold, count: length - 1))
            step = start + length
        }
        if melody.steps > step {
            tokens.append(Self.rest)
            tokens.append(contentsOf: repeatElement(Self.hold, count: melody.steps - step - 1))
        }
        if endOfTune { tokens.append(Self.endOfTune) }
        return tokens
    }
}
