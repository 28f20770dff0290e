import Foundation
import RecurCore

/// What a user may ask of a tune before it is sampled: its meter, its mode and the key
/// it is written in (`recur generate --meter 6/8 --mode minor --key E`, or the job
/// fields `meter`, `mode`, `key`). Any may be left out: the model then chooses the
/// meter and mode, and the tune keeps its white-key tonic.
public struct TuneOptions: Sendable, Hashable {
    /// `6/8`, `C` or `C|`; nil lets the model choose.
    public var meter: String?
    /// `major`, `minor`, `dorian` …; nil lets the model choose.
    public var mode: String?
    /// The tonic to write the tune in (`E`, `F#`, `Bb`); nil keeps the model's.
    public var key: String?
    /// A melody to harmonise (monophonic note tokens, bar lines allowed), in `key` and
    /// `mode`; a model of several voices samples the other voices (`Harmonization`).
    public var harmonize: String?
    /// Let the model place bar lines where it likes, rather than where the meter puts them
    /// (`BarGrammar`, on by default for models with meters). The cadence rests on the bars,
    /// so it goes too.
    public var freeBars = false
    /// No cadence: the tune ends where and how the model likes, rather than on its tonic
    /// after as many bars as the corpus's tunes of its meter (`BarGrammar.Cadence`), and the
    /// meter of a tune whose mode alone is asked for chosen by the model rather than by the
    /// corpus's odds (`meterOdds`). The bar lines of the meter stay unless `freeBars` is set
    /// too; with `freeBars` and `freeVoicing`, the model alone.
    public var freeForm = false
    /// Models of several voices: the voices as the model writes them, without the part-writing
    /// rules (`VoiceLeading`) and without the tonic in the bass of the last chord of a
    /// harmonisation.
    public var freeVoicing = false

    /// Options; every one may be nil.
    public init(
        meter: String? = nil, mode: String? = nil, key: String? = nil, harmonize: String? = nil, freeBars: Bool = false,
        freeForm: Bool = false, freeVoicing: Bool = false
    ) {
        self.freeVoicing = freeVoicing
        self.meter = meter
        self.mode = mode
        self.key = key
        self.harmonize = harmonize
        self.freeBars = freeBars
        self.freeForm = freeForm
    }

    /// Whether no option is given.
    public var isEmpty: Bool { meter == nil && mode == nil && key == nil && harmonize == nil }

    /// Sets what a notes model's request needs from these options: the guide that opens
    /// every tune with its headers (or, to harmonise a melody, covers the whole tune, whose
    /// length it then sets), and the warm-up.
    /// - Throws: `TuneOptionError` naming the field that cannot be honoured.
    public func apply(
        to request: inout SamplingRequest, encoding: NoteEncoding, vocabulary: [String], model: String
    ) throws(TuneOptionError) {
        request.warmup = Self.warmup(for: encoding, vocabulary: vocabulary)
        if !freeVoicing { request.voiceLeading = VoiceLeading(encoding: encoding, vocabulary: vocabulary) }
        guard let harmonize else {
            request.guide = try guide(for: encoding, prime: request.prime, model: model)
            if !freeForm, meter == nil, let mode = try parsedMode(), request.guide.count == 2 {
                request.guideOdds = Self.meterOdds(for: mode, encoding: encoding)
            }
            if !freeBars, var bars = BarGrammar(encoding: encoding, vocabulary: vocabulary) {
                if freeForm { bars.cadence = nil }
                request.bars = bars
            }
            return
        }
        if !request.prime.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw TuneOptionError(
                field: "harmonize", value: "…",
                problem: "cannot be combined with a prime: the melody is the start and the whole of the top voice")
        }
        let harmonization = try Harmonization(
            melody: harmonize, encoding: encoding, vocabulary: vocabulary, meter: parsedMeter(), mode: parsedMode(),
            key: tonic(), model: model, endOnTonic: !freeVoicing)
        request.guide = harmonization.guide
        request.length = harmonization.guide.count
    }

    /// The tokens that must open the tune (`SamplingRequest.guide`): for a
    /// `recur.notes/2` model, its meter header then its mode header, each the one asked
    /// for or any the model knows (so that every tune has both); nothing for a
    /// `recur.notes/1` model, which has no headers.
    ///
    /// - Parameter prime: the request's prime; a tune with a prime starts where the prime
    ///   says, so meter and mode must then be written in the prime itself.
    /// - Throws: `TuneOptionError` naming `meter` or `mode` for a value that is not a
    ///   meter or mode, one the model does not know, or one combined with a prime.
    public func guide(for encoding: NoteEncoding, prime: String, model: String) throws(TuneOptionError) -> [[String]] {
        let meter = try parsedMeter()
        let mode = try parsedMode()
        let primed = !prime.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        guard encoding.isStructured else {
            if let value = self.meter {
                throw TuneOptionError(
                    field: "meter", value: value,
                    problem:
                        "the model '\(model)' knows no meters (its tunes have no headers, \(encoding.format)); leave the meter out or use a model with meters, such as folk"
                )
            }
            if let value = self.mode {
                throw TuneOptionError(
                    field: "mode", value: value,
                    problem:
                        "the model '\(model)' knows no modes (its tunes have no headers, \(encoding.format)); leave the mode out or use a model with modes, such as folk"
                )
            }
            return []
        }
        try encoding.requireKnown(meter: meter, writtenAs: self.meter, mode: mode, model: model)
        if primed {
            if let value = self.meter ?? self.mode {
                throw TuneOptionError(
                    field: self.meter != nil ? "meter" : "mode", value: value,
                    problem:
                        "cannot be combined with a prime; start the prime with the headers instead, e.g. \"M:6/8 K:minor n69 - -\""
                )
            }
            return []
        }
        let meters = meter.map { [$0] } ?? encoding.meters
        let modes = mode.map { [$0] } ?? encoding.modes
        guard !meters.isEmpty, !modes.isEmpty else { return [] }
        return [
            meters.map { NoteEncoding.meterPrefix + $0.description },
            modes.map { NoteEncoding.modePrefix + $0.rawValue },
        ]
    }

    /// For a tune whose mode is asked for and whose meter is not: the odds of each meter
    /// the model knows (in `encoding.meters`' order, as the guide lists them), the number of
    /// the corpus's tunes of that meter and mode (`bars_per_tune`, which counts only pairs of
    /// at least 20 tunes); none when the model recorded none for the mode. The model writes the
    /// meter before the mode, so left to itself it picks meters in the proportions of all
    /// its tunes, not of that mode's.
    static func meterOdds(for mode: Mode, encoding: NoteEncoding) -> [[Double]] {
        let odds = encoding.meters.map { meter in
            Double(encoding.barsPerTune[TuneKind(meter: meter, mode: mode)]?.values.reduce(0, +) ?? 0)
        }
        return odds.contains(where: { $0 > 0 }) ? [odds, []] : []
    }

    /// The tokens to feed before every tune of a model with `vocabulary`: the encoding's
    /// warm-up when the model has all its tokens (and `<eos>`), otherwise none.
    public static func warmup(for encoding: NoteEncoding, vocabulary: [String]) -> [String] {
        let known = Set(vocabulary)
        guard known.contains(NoteEncoding.endOfTune), encoding.warmup.allSatisfy(known.contains) else { return [] }
        return encoding.warmup
    }

    /// The tonic asked for, or nil.
    /// - Throws: `TuneOptionError` naming `key` when it is not a tonic such as `E`, `F#`, `Bb`.
    public func tonic() throws(TuneOptionError) -> Tonic? {
        guard let key else { return nil }
        guard let tonic = Tonic(key) else {
            throw TuneOptionError(
                field: "key", value: key,
                problem:
                    "is not a key's tonic; give a letter A–G with an optional # or b, such as \(Tonic.examples) (the mode comes from \"mode\")"
            )
        }
        return tonic
    }

    /// Checks every option that needs no model: meter and mode spelled right, key a tonic.
    public func validate() throws(TuneOptionError) {
        _ = try parsedMeter()
        _ = try parsedMode()
        _ = try tonic()
    }

    /// The options with the melody to harmonise read (`MelodyInput`: ABC, MusicXML, MIDI as
    /// base64, or note tokens) and turned into note tokens, and the meter, mode and key
    /// the file gives filled in where no option gives them; unchanged without a melody.
    /// - Throws: `TuneOptionError` naming `harmonize`, with the format, bar and beat.
    public func readingMelody() throws(TuneOptionError) -> TuneOptions {
        guard let harmonize else { return self }
        let input: MelodyInput
        do {
            input = try MelodyInput(text: harmonize)
        } catch {
            let line = harmonize.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw TuneOptionError(
                field: "harmonize", value: line.count > 60 ? String(line.prefix(60)) + "…" : line,
                problem: "cannot be read: \(error)")
        }
        return TuneOptions(melody: input, over: self)
    }

    /// `options` with `input`'s tokens to harmonise, and its meter, mode and key where the
    /// options give none.
    public init(melody input: MelodyInput, over options: TuneOptions) {
        self = options
        harmonize = input.tokens
        meter = options.meter ?? input.meter?.description
        mode = options.mode ?? input.mode?.rawValue
        key = options.key ?? input.key?.description
    }

    private func parsedMeter() throws(TuneOptionError) -> Meter? {
        guard let meter = self.meter else { return nil }
        guard let parsed = Meter(meter) else {
            throw TuneOptionError(
                field: "meter", value: meter,
                problem: "is not a meter; give beats/beat note such as 2/4, 3/4, 4/4, 6/8 (C is 4/4, C| is 2/2)")
        }
        return parsed
    }

    private func parsedMode() throws(TuneOptionError) -> Mode? {
        guard let mode = self.mode else { return nil }
        guard let parsed = Mode(rawValue: mode.lowercased()) else {
            throw TuneOptionError(
                field: "mode", value: mode,
                problem: "is not a mode; give one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }
}

/// A tune option that cannot be honoured: the field (`meter`, `mode`, `key`), its value
/// and what to do.
public struct TuneOptionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `meter`, `mode` or `key`, as in a job file.
    public let field: String
    /// The value given.
    public let value: String
    /// What is wrong and how to fix it.
    public let problem: String

    public var description: String { "\(field) \(value.debugDescription) \(problem)" }
}

/// What a sample turned out to be, for result.json and `recur generate --json`: the
/// meter, mode and key it is written in and its number of bars.
public struct TuneSummary: Sendable, Hashable {
    /// `6/8`, or nil when the tune has no meter header.
    public var meter: String?
    /// `minor`, or nil when the tune has no mode header.
    public var mode: String?
    /// The key's tonic as written (`E`).
    public var key: String
    /// Bars, as the writers lay them out (`Tune.bars`).
    public var bars: Int
    /// The tune's length in sixteenth-note steps.
    public var steps: Int

    /// The summary of `tune` (already in its final key).
    public init(_ tune: Tune) {
        meter = tune.meter?.description
        mode = tune.mode?.rawValue
        key = tune.key.tonic.description
        bars = tune.bars.count
        steps = tune.steps
    }

    /// The fields as a JSON object's members.
    public var json: [String: Any] {
        ["meter": meter ?? NSNull(), "mode": mode ?? NSNull(), "key": key, "bars": bars, "steps": steps]
    }
}

extension BarGrammar {
    /// The grammar of a `recur.notes/2` model: its bar line, its step tokens, the steps per
    /// bar of each meter header it knows, its voices; nil for a model without bar lines.
    public init?(encoding: NoteEncoding, vocabulary: [String]) {
        guard encoding.isStructured,
            let barLine = vocabulary.firstIndex(of: NoteEncoding.barLine),
            let endOfTune = vocabulary.firstIndex(of: NoteEncoding.endOfTune)
        else { return nil }
        var steps: Set<Int> = []
        var meters: [Int: Int] = [:]
        for (id, token) in vocabulary.enumerated() {
            if let step = NoteToken(token), step != .endOfTune {
                steps.insert(id)
            } else if case .meter(let meter) = TuneHeaderToken(token) {
                meters[id] = meter.stepsPerBar
            }
        }
        guard !meters.isEmpty else { return nil }
        self.init(
            barLine: barLine, endOfTune: endOfTune, stepTokens: steps, stepsPerBar: meters, voices: encoding.voices,
            cadence: Self.cadence(vocabulary: vocabulary, encoding: encoding))
    }

    /// The cadence of a model with mode headers: a tune ends on its mode's tonic, in the
    /// melody or, with several voices, in the bass; nil without modes.
    static func cadence(vocabulary: [String], encoding: NoteEncoding) -> Cadence? {
        let pitches = NoteEncoding.notePitches(in: vocabulary)
        var meterIDs: [Meter: Int] = [:]
        var modeIDs: [Mode: Int] = [:]
        for (id, token) in vocabulary.enumerated() {
            switch TuneHeaderToken(token) {
            case .meter(let meter): meterIDs[meter] = id
            case .mode(let mode): modeIDs[mode] = id
            case nil: break
            }
        }
        let tonicNotes = Dictionary(
            uniqueKeysWithValues: modeIDs.map { mode, id in
                (id, Set(pitches.filter { ($0.value % 12 + 12) % 12 == mode.whiteKeyTonic }.keys))
            })
        let beatSteps = Dictionary(uniqueKeysWithValues: meterIDs.map { ($0.value, $0.key.stepsPerBeat) })
        var barsPerTune: [Cadence.Kind: [Cadence.BarCount]] = [:]
        for (kind, counts) in encoding.barsPerTune {
            guard let meter = meterIDs[kind.meter] else { continue }
            let mode = kind.mode.flatMap { modeIDs[$0] }
            guard kind.mode == nil || mode != nil else { continue }
            barsPerTune[Cadence.Kind(meter: meter, mode: mode)] = counts.sorted { $0.key < $1.key }
                .map { Cadence.BarCount(bars: $0.key, tunes: $0.value) }
        }
        guard !tonicNotes.isEmpty, !pitches.isEmpty else { return nil }
        return Cadence(
            tonicNotes: tonicNotes, notes: Set(pitches.keys), hold: vocabulary.firstIndex(of: NoteEncoding.hold),
            voice: max(1, encoding.voices) - 1, beatSteps: beatSteps, barsPerTune: barsPerTune)
    }
}

extension VoiceLeading {
    /// The part-writing rules of a model of several voices; nil for a melody model.
    public init?(encoding: NoteEncoding, vocabulary: [String]) {
        guard encoding.voices > 1, let hold = vocabulary.firstIndex(of: NoteEncoding.hold),
            let endOfTune = vocabulary.firstIndex(of: NoteEncoding.endOfTune)
        else { return nil }
        let steps = vocabulary.indices.filter { NoteToken(vocabulary[$0]).map { $0 != .endOfTune } ?? false }
        self.init(
            pitches: NoteEncoding.notePitches(in: vocabulary), hold: hold, voices: encoding.voices, stepTokens: Set(steps),
            endOfTune: endOfTune)
    }
}

extension NoteEncoding {
    /// The pitch of every note token of `vocabulary`, by token id: what the sampling guides
    /// that reason about pitches (cadence, voice-leading) read the ids by.
    static func notePitches(in vocabulary: [String]) -> [Int: Int] {
        var pitches: [Int: Int] = [:]
        for (id, token) in vocabulary.enumerated() {
            if case .note(let pitch) = NoteToken(token) { pitches[id] = pitch }
        }
        return pitches
    }

    /// Refuses a meter or mode the model was not trained on, naming the ones it knows.
    /// - Parameter writtenAs: the meter as the user wrote it (`C` for 4/4), for the message.
    /// - Throws: `TuneOptionError` naming `meter` or `mode`.
    func requireKnown(meter: Meter?, writtenAs: String? = nil, mode: Mode?, model: String) throws(TuneOptionError) {
        if let meter, !meters.contains(meter) {
            throw TuneOptionError(
                field: "meter", value: writtenAs ?? meter.description,
                problem:
                    "is not a meter the model '\(model)' knows; it knows \(meters.map(\.description).joined(separator: ", "))")
        }
        if let mode, !modes.contains(mode) {
            throw TuneOptionError(
                field: "mode", value: mode.rawValue,
                problem: "is not a mode the model '\(model)' knows; it knows \(modes.map(\.rawValue).joined(separator: ", "))")
        }
    }
}
