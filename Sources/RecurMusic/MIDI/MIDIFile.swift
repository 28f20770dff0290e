import Foundation
import RecurCore

/// Standard MIDI Files of tunes: type 0 (one track) for a melody, type 1 (one track per
/// voice) for several voices.
///
/// A melody's track holds: a tempo meta event, the tune's time signature (4/4 without a
/// meter) and key signature, a program change for the instrument on channel 1, the reverb
/// and chorus sends (controllers 91 and 93; a voice of several also its pan, 10), then
/// note-on/note-off pairs on the 16th-note grid (with the configuration's swing), and
/// end-of-track at the tune's last step. A note ends (note-off) before the next one at
/// the same tick starts.
public enum MIDIFile {
    /// Ticks per quarter note in the header (120 per 16th step).
    public static let ticksPerQuarter = 480

    /// The bytes of the MIDI file for `melody` with the configuration's tempo, swing,
    /// instrument (program) and velocity.
    /// - Throws: `RenderSettingError` for a setting out of range.
    public static func data(for melody: Melody, configuration: RenderConfiguration) throws(RenderSettingError) -> Data {
        try data(for: Tune(melody: melody), configuration: configuration)
    }

    /// The bytes of the MIDI file for `tune`: its notes, with its meter and key as the
    /// time and key signatures. A melody is a type 0 file (one track); a tune of several
    /// voices is a type 1 file: a first track with the tempo and signatures, then one
    /// track per voice on its own channel (the drum channel 10 skipped), named after it.
    /// - Throws: `RenderSettingError` for a setting out of range.
    public static func data(for tune: Tune, configuration: RenderConfiguration) throws(RenderSettingError) -> Data {
        try configuration.validate()
        let timing = configuration.timing
        let end = timing.tick(atStep: tune.steps, ticksPerQuarter: ticksPerQuarter)
        let microsecondsPerQuarter = max(1, min(0xFF_FFFF, Int((60_000_000 / configuration.tempo).rounded())))
        var conductor = TrackWriter()
        conductor.event(at: 0, [0xFF, 0x51, 0x03] + bigEndian(microsecondsPerQuarter, bytes: 3))
        conductor.event(at: 0, timeSignature(tune.effectiveMeter))
        conductor.event(at: 0, keySignature(tune.key))
        let voiceCount = tune.voices.count
        func play(_ melody: Melody, voice: Int, channel: Int, into track: inout TrackWriter) {
            let channel = UInt8(channel)
            let instrument = configuration.instruments.instrument(forVoice: voice, of: voiceCount)
            track.event(at: 0, [0xC0 | channel, UInt8(instrument.midiProgram)])
            if voiceCount > 1 {
                let position = Synthesizer.panPosition(voice: voice, of: voiceCount)
                track.event(at: 0, [0xB0 | channel, 10, UInt8((64 + 63 * position).rounded())])
            }
            track.event(at: 0, [0xB0 | channel, 91, UInt8((127 * configuration.reverb).rounded())])
            track.event(at: 0, [0xB0 | channel, 93, UInt8((127 * configuration.chorus).rounded())])
            let velocity = UInt8(configuration.velocity)
            for note in melody.notes {
                let pitch = UInt8(min(127, max(0, note.pitch)))
                track.event(
                    at: timing.tick(atStep: note.start, ticksPerQuarter: ticksPerQuarter), [0x90 | channel, pitch, velocity])
                track.event(at: timing.tick(atStep: note.end, ticksPerQuarter: ticksPerQuarter), [0x80 | channel, pitch, 0x40])
            }
        }
        var tracks: [TrackWriter]
        if tune.voices.count == 1 {
            play(tune.melody, voice: 0, channel: 0, into: &conductor)
            tracks = [conductor]
        } else {
            tracks = [conductor]
            for (index, voice) in tune.voices.enumerated() {
                var track = TrackWriter()
                let name = Array(VoiceNames.name(of: index, among: tune.voices.count).utf8)
                track.event(at: 0, [0xFF, 0x03] + variableLength(name.count) + name)
                play(voice, voice: index, channel: index < 9 ? index : index + 1, into: &track)
                tracks.append(track)
            }
        }
        var file = Data("MThd".utf8)
        file.append(contentsOf: bigEndian(6, bytes: 4))
        file.append(contentsOf: bigEndian(tracks.count == 1 ? 0 : 1, bytes: 2))  // format
        file.append(contentsOf: bigEndian(tracks.count, bytes: 2))
        file.append(contentsOf: bigEndian(ticksPerQuarter, bytes: 2))
        for var track in tracks {
            track.event(at: max(track.lastTick, end), [0xFF, 0x2F, 0x00])
            file.append(contentsOf: Data("MTrk".utf8))
            file.append(contentsOf: bigEndian(track.bytes.count, bytes: 4))
            file.append(track.bytes)
        }
        return file
    }

    /// One track's events, each with its delta time from the one before.
    private struct TrackWriter {
        var bytes = Data()
        var lastTick = 0

        mutating func event(at tick: Int, _ event: [UInt8]) {
            MIDIFile.appendVariableLength(tick - lastTick, to: &bytes)
            bytes.append(contentsOf: event)
            lastTick = tick
        }
    }

    /// Writes the MIDI file for `melody` to `path` atomically (temporary name, fsync, rename).
    /// - Throws: `RenderSettingError` for a bad setting, `FileWriteError` naming `path`.
    public static func write(_ melody: Melody, configuration: RenderConfiguration, to path: String) throws {
        try AtomicFile.write(data(for: melody, configuration: configuration), to: path)
    }

    /// Writes the MIDI file for `tune` to `path` atomically.
    /// - Throws: `RenderSettingError` for a bad setting, `FileWriteError` naming `path`.
    public static func write(_ tune: Tune, configuration: RenderConfiguration, to path: String) throws {
        try AtomicFile.write(data(for: tune, configuration: configuration), to: path)
    }

    /// `FF 58 04 nn dd cc bb`: numerator, log2 of the denominator, MIDI clocks per
    /// metronome click (24 a quarter; a dotted quarter, 36, in compound meters) and
    /// 32nd notes per quarter (8).
    static func timeSignature(_ meter: Meter) -> [UInt8] {
        let power = UInt8(meter.denominator.trailingZeroBitCount)
        let clocks = UInt8(meter.stepsPerBeat * 6)  // 24 clocks a quarter = 6 a 16th step
        return [0xFF, 0x58, 0x04, UInt8(meter.numerator), power, clocks, 0x08]
    }

    /// `FF 59 02 sf mi`: sharps (positive) or flats (negative), and 1 for minor, 0 for
    /// major. MIDI knows no other modes: they keep their signature and say major.
    static func keySignature(_ key: Key) -> [UInt8] {
        [0xFF, 0x59, 0x02, UInt8(bitPattern: Int8(key.fifths)), key.mode == .minor ? 1 : 0]
    }

    /// A MIDI variable-length quantity: 7 bits a byte, most significant first, high bit
    /// set on all but the last byte.
    static func appendVariableLength(_ value: Int, to data: inout Data) {
        data.append(contentsOf: variableLength(value))
    }

    static func variableLength(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return bytes.reversed()
    }

    private static func bigEndian(_ value: Int, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
