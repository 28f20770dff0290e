import Foundation
import RecurCore

/// Standard MIDI Files (type 0, one track) of melodies.
///
/// The track holds: a tempo meta event, a 4/4 time signature, a program change for
/// the instrument on channel 1, then note-on/note-off pairs on the 16th-note grid
/// (with the configuration's swing), and end-of-track at the tune's last step.
/// A note ends (note-off) before the next one at the same tick starts.
public enum MIDIFile {
    /// Ticks per quarter note in the header (120 per 16th step).
    public static let ticksPerQuarter = 480

    /// The bytes of the MIDI file for `melody` with the configuration's tempo, swing,
    /// instrument (program) and velocity.
    /// - Throws: `RenderSettingError` for a setting out of range.
    public static func data(for melody: Melody, configuration: RenderConfiguration) throws(RenderSettingError) -> Data {
        try configuration.validate()
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
        event(at: 0, [0xFF, 0x58, 0x04, 0x04, 0x02, 0x18, 0x08])
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
