import Foundation

/// Which instrument plays each voice of a tune: one for all, one per voice, or the
/// default — a fiddle for a melody, the church organ for several voices.
///
/// Written as on the command line and in a job's `render.instrument`: `fiddle`, or
/// `soprano=flute,alto=oboe,tenor=clarinet,bass=bassoon`, or `organ,soprano=trumpet` (the
/// organ for the voices not named). Voices are named `soprano`, `alto`, `tenor`, `bass`
/// (a four-voice tune), `melody`, or by number from 1, the highest.
public struct VoiceInstruments: Sendable, Hashable, CustomStringConvertible {
    /// The instrument of every voice not named in `voices`; nil for the default.
    public var all: Instrument?
    /// Instruments by voice index (0 = the highest voice).
    public var voices: [Int: Instrument]

    /// One instrument for every voice (nil: the default).
    public init(_ all: Instrument? = nil, voices: [Int: Instrument] = [:]) {
        self.all = all
        self.voices = voices
    }

    /// The default for a tune of `voiceCount` voices: the fiddle for one, the organ for more.
    public static func defaultInstrument(voiceCount: Int) -> Instrument { voiceCount > 1 ? .organ : .fiddle }

    /// Reads `fiddle` or `soprano=flute,alto=oboe,…`.
    /// - Throws: `InstrumentChoiceError` naming the part that is wrong.
    public init(parsing text: String) throws(InstrumentChoiceError) {
        self.init()
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        for part in parts {
            guard !part.isEmpty else { throw InstrumentChoiceError(text: text, problem: .empty) }
            let sides = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let instrument = Instrument(named: sides.last!) else {
                throw InstrumentChoiceError(text: text, problem: .unknownInstrument(sides.last!))
            }
            if sides.count == 1 {
                guard all == nil else { throw InstrumentChoiceError(text: text, problem: .twoForAll) }
                all = instrument
                continue
            }
            guard let voice = Self.voiceIndex(sides[0]) else {
                throw InstrumentChoiceError(text: text, problem: .unknownVoice(sides[0]))
            }
            guard voices[voice] == nil else { throw InstrumentChoiceError(text: text, problem: .voiceTwice(sides[0])) }
            voices[voice] = instrument
        }
    }

    /// The instrument of voice `voice` of `count`.
    public func instrument(forVoice voice: Int, of count: Int) -> Instrument {
        voices[voice] ?? all ?? Self.defaultInstrument(voiceCount: count)
    }

    /// Checks that every voice named exists in a tune of `count` voices.
    public func check(voiceCount count: Int) throws(InstrumentChoiceError) {
        if let extra = voices.keys.sorted().first(where: { $0 >= count }) {
            throw InstrumentChoiceError(text: description, problem: .noSuchVoice(index: extra, voiceCount: count))
        }
    }

    public var description: String {
        let named = voices.keys.sorted().map { "\($0 + 1)=\(voices[$0]!.name)" }
        return ((all.map { [$0.name] } ?? []) + named).joined(separator: ",")
    }

    /// `soprano`, `alto`, `tenor`, `bass` (0–3), `melody` (0), or `1`, `2`, … (0, 1, …).
    static func voiceIndex(_ name: String) -> Int? {
        let key = name.lowercased()
        if let index = ["soprano", "alto", "tenor", "bass"].firstIndex(of: key) { return index }
        if key == "melody" { return 0 }
        if let number = Int(key), (1...16).contains(number) { return number - 1 }
        return nil
    }
}

/// A `--instrument` or `render.instrument` that cannot be read.
public struct InstrumentChoiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Equatable {
        case empty
        case unknownInstrument(String)
        case unknownVoice(String)
        case twoForAll
        case voiceTwice(String)
        case noSuchVoice(index: Int, voiceCount: Int)
    }

    /// The whole text given.
    public let text: String
    public let problem: Problem

    public var description: String {
        switch problem {
        case .empty:
            "'\(text)' has an empty instrument; write a name such as fiddle, or soprano=flute,alto=oboe"
        case .unknownInstrument(let name):
            "'\(name)' is not an instrument; use a General MIDI name (violin, church-organ, choir-aahs, …) "
                + "or one of \(Instrument.wordList)"
        case .unknownVoice(let name):
            "'\(name)' is not a voice; name voices soprano, alto, tenor, bass, melody, or by number from 1 (the highest)"
        case .twoForAll:
            "'\(text)' names two instruments for all voices; give one, and name the voices for the others (soprano=flute)"
        case .voiceTwice(let name):
            "'\(text)' names voice \(name) twice"
        case .noSuchVoice(let index, let count):
            "'\(text)' names voice \(index + 1), and the tune has \(count == 1 ? "one voice" : "\(count) voices")"
        }
    }
}
