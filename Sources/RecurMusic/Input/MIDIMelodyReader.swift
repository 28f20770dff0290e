import Foundation

/// Reads the melody of a Standard MIDI File (format 0 or 1) as one voice on the 16th-note
/// grid.
///
/// The melody is the first track with notes, all its channels together. The meter comes
/// from the time signatures (`FF 58`) of any track — the one at tick 0, or the one after
/// a pickup bar (below) — and the key from the key signature (`FF 59`, sharps or flats and
/// major or minor) at tick 0 of any track. A 16th note is a quarter of the header's ticks
/// per quarter note.
///
/// Played timing is forgiven a little: a note's start or end within ±1/8 of a 16th of
/// the grid is snapped to it; further off, the note is refused. A note-on of velocity 0
/// ends a note; a note never ended lasts to the end of its track; a note of no ticks is
/// dropped. Gaps become rests. Two notes sounding at once — a chord, or a note held past
/// the start of the next — are refused with the bar and beat.
///
/// Bars follow the time signatures (4/4 when there is none), counted from tick 0: a
/// short first bar in a signature of its own (2/4 before 4/4) is a pickup, and a short
/// last bar in one completes it; any other change of meter is refused. The tune ends
/// with its last note, or at the end of the track when that comes before the next bar
/// line (a rest closing the last bar).
enum MIDIMelodyReader {
    /// A note as the file times it, in ticks.
    struct TimedNote {
        var start: Int
        var end: Int
        var pitch: Int
    }

    /// The melody of the MIDI file `data`.
    static func read(_ data: Data) throws(MelodyInputError) -> MelodyInput {
        let file = try StandardMIDIFile(data)
        let grid = MIDIGrid(division: file.division)
        var signatures: [(tick: Int, meter: Meter)] = []
        var key: Key?
        for event in file.tracks.joined() {
            switch event.kind {
            case .timeSignature(let numerator, let power):
                guard power <= 4, let meter = Meter(numerator: numerator, denominator: 1 << power) else {
                    throw MelodyInputError(
                        format: .midi,
                        problem: .unsupported(
                            "a time signature of \(numerator) over 2^\(power); give N/D with N 1…32 and D 1, 2, 4, 8 or 16"))
                }
                signatures.append((event.tick, meter))
            case .keySignature(let fifths, let minor) where event.tick == 0 && key == nil:
                guard minor == 0 || minor == 1, let found = Key(fifths: fifths, mode: minor == 1 ? .minor : .major) else {
                    throw StandardMIDIFile.error(
                        "a key signature of \(fifths) sharps, mode \(minor): give −7…7 sharps and 0 (major) or 1 (minor)")
                }
                key = found
            default:
                continue
            }
        }
        guard let track = file.tracks.first(where: { $0.contains { if case .noteOn = $0.kind { true } else { false } } })
        else { throw MelodyInputError(format: .midi, problem: .empty) }
        let timed = notes(in: track)
        guard let lastTick = timed.map(\.end).max() else { throw MelodyInputError(format: .midi, problem: .empty) }
        guard grid.nearestStep(lastTick) <= MelodyInput.maximumSteps else {
            throw MelodyInputError(format: .midi, problem: .tooLong)
        }

        var starts: [(step: Int, meter: Meter)] = []
        for (tick, meter) in signatures.sorted(by: { $0.tick < $1.tick }) where tick < lastTick {
            guard let step = grid.step(tick) else {
                throw MelodyInputError(format: .midi, problem: .offGrid("a time signature \(meter) at tick \(tick)"))
            }
            starts.append((step, meter))
        }
        let map = MIDIMeterMap(signatures: starts)
        func refusal(_ problem: MelodyInputError.Problem, at step: Int) -> MelodyInputError {
            let place = map.place(of: step)
            return MelodyInputError(format: .midi, problem: problem, bar: place.bar, beat: place.beat)
        }

        var melody: [Note] = []
        for note in timed {
            let name = "n\(note.pitch)"
            guard let start = grid.step(note.start) else {
                throw refusal(
                    .offGrid("\(name) starts \(grid.offset(note.start)) from the nearest 16th"), at: grid.nearestStep(note.start))
            }
            guard let end = grid.step(note.end) else {
                throw refusal(
                    .offGrid("\(name) ends \(grid.offset(note.end)) from the nearest 16th"), at: grid.nearestStep(note.end))
            }
            guard end > start else {
                throw refusal(.offGrid("\(name) lasts \(note.end - note.start) ticks, less than a 16th"), at: start)
            }
            if let previous = melody.last, start < previous.end {
                throw refusal(
                    start == previous.start
                        ? .chord("n\(previous.pitch) with \(name)")
                        : .overlap("n\(previous.pitch) still sounds when \(name) starts"),
                    at: start)
            }
            melody.append(Note(pitch: note.pitch, start: start, length: end - start))
        }

        // The end: the last note's, or the track's end when it comes first in that bar.
        let lastEnd = melody.map(\.end).max() ?? 0
        var end = lastEnd
        let trackEnd = track.last.map(\.tick) ?? 0
        if let endStep = grid.step(trackEnd), endStep > lastEnd,
            let nextBar = map.barLines(through: lastEnd + 32 * 16).first(where: { $0 >= lastEnd }), nextBar > lastEnd
        {
            end = min(endStep, nextBar, MelodyInput.maximumSteps)
        }
        let (meter, conflict) = map.meter(ending: end)
        if let conflict { throw refusal(.change("meter from \(conflict.from) to \(conflict.to)"), at: conflict.step) }
        return MelodyInput(
            format: .midi,
            tokens: MelodyTimeline.text(of: Melody(notes: melody, steps: end), barLines: map.barLines(through: end)),
            meter: signatures.isEmpty ? nil : meter, key: key?.tonic, mode: key?.mode)
    }

    /// The track's notes in ticks, by start then pitch: each note-on paired with the next
    /// note-off of its channel and pitch (first on, first off). A note never ended ends
    /// with the track; a note of no ticks is dropped.
    static func notes(in track: [StandardMIDIFile.Event]) -> [TimedNote] {
        // Channel × 128 + pitch → the start ticks of its sounding notes, and the first not yet ended.
        var sounding: [Int: (starts: [Int], first: Int)] = [:]
        var notes: [TimedNote] = []
        for event in track {
            switch event.kind {
            case .noteOn(let channel, let pitch):
                sounding[channel * 128 + pitch, default: ([], 0)].starts.append(event.tick)
            case .noteOff(let channel, let pitch):
                guard let queue = sounding[channel * 128 + pitch], queue.first < queue.starts.count else { continue }
                let start = queue.starts[queue.first]
                sounding[channel * 128 + pitch]?.first += 1
                if event.tick > start { notes.append(TimedNote(start: start, end: event.tick, pitch: pitch)) }
            default:
                continue
            }
        }
        let trackEnd = track.last?.tick ?? 0
        for (key, queue) in sounding {
            for start in queue.starts[queue.first...] where trackEnd > start {
                notes.append(TimedNote(start: start, end: trackEnd, pitch: key % 128))
            }
        }
        return notes.sorted { ($0.start, $0.pitch) < ($1.start, $1.pitch) }
    }
}

/// The 16th-note grid of a MIDI file: a quarter of its ticks per quarter note a step.
struct MIDIGrid {
    /// Ticks per quarter note.
    let division: Int

    /// The step nearest `tick`.
    func nearestStep(_ tick: Int) -> Int { (4 * tick + division / 2) / division }

    /// The step at `tick`, snapped when within ±1/8 of a step; nil further off.
    func step(_ tick: Int) -> Int? {
        let step = nearestStep(tick)
        return 8 * abs(4 * tick - step * division) <= division ? step : nil
    }

    /// How far `tick` is from its nearest step, for messages: `37 ticks (of 120 a 16th)`.
    func offset(_ tick: Int) -> String {
        let off = abs(4 * tick - nearestStep(tick) * division)
        let ticks = off % 4 == 0 ? "\(off / 4)" : String(format: "%.2f", Double(off) / 4)
        return "\(ticks) ticks (of \(String(format: "%g", Double(division) / 4)) a 16th)"
    }
}
