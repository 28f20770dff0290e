import Foundation
import RecurCore

/// Standard MIDI Files (type 0, one track) of melodies.
///
/// The track holds: a tempo meta event, the tune's time signature (4/4 without a meter)
/// and key signature, a program change for the instrument on channel 1, then
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
    /// time and key signatures.
    /// - Throws: `RenderSettingError` for a setting out of range.
    public static func data(for tune: Tune, configuration: RenderConfiguration) throws(RenderSettingError) -> Data {
        try configuration.validate()
        let melody = tune.melody
        let timing = configuration.timing
        var track = Data()
        var lastTick = 0
        func event(at tick: Int, _ bytes: [UInt8]) {
            appendVariableLength(tick - lastTick, to: &track)
            track.append(contentsOf: bytes)
            lastTick = tick
        }
        let microsecondsPerQuarter = max(1, min(0xFF_FFFF, Int((60_000_000 / configuration.tempo).rounded())))
        event(at: 0, [0xFF, 0x51, 0x03] + bigEndian(microsecondsPerQuarter, bytes: 3))
        event(at: 0, timeSignature(tune.effectiveMeter))
        event(at: 0, keySignature(tune.key))
        event(at: 0, [0xC0, UInt8(configuration.instrument.midiProgram)])
        let velocity = UInt8(configuration.velocity)
        for note in melody.notes {
            let pitch = UInt8(min(127, max(0, note.pitch)))
            event(at: timing.tick(atStep: note.start, ticksPerQuarter: ticksPerQuarter), [0x90, pitch, velocity])
            event(at: timing.tick(atStep: note.end, ticksPerQuarter: ticksPerQuarter), [0x80, pitch, 0x40])
        }
        event(at: max(lastTick, timing.tick(atStep: melody.steps, ticksPerQuarter: ticksPerQuarter)), [0xFF, 0x2F, 0x00])

        var file = Data("MThd".utf8)
        file.append(contentsOf: bigEndian(6, bytes: 4))
        file.append(contentsOf: bigEndian(0, bytes: 2))  // format 0
        file.append(contentsOf: bigEndian(1, bytes: 2))  // one track
        file.append(contentsOf: bigEndian(ticksPerQuarter, bytes: 2))
        file.append(contentsOf: Data("MTrk".utf8))
        file.append(contentsOf: bigEndian(track.count, bytes: 4))
        file.append(track)
        return file
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
        var bytes: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        data.append(contentsOf: bytes.reversed())
    }

    private static func bigEndian(_ value: Int, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
