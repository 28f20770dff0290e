import Foundation

/// One note of a monophonic melody, on the 16th-note grid of DESIGN.md §5.
public struct Note: Sendable, Hashable, Codable {
    /// The MIDI note number (60 = middle C, 69 = A4 = 440 Hz).
    public var pitch: Int
    /// The grid step where the note starts (0 = the first step of the tune).
    public var start: Int
    /// How many steps the note lasts (at least 1).
    public var length: Int

    /// A note of `pitch` from step `start` for `length` steps.
    public init(pitch: Int, start: Int, length: Int) {
        self.pitch = pitch
        self.start = start
        self.length = length
    }

    /// The first step after the note.
    public var end: Int { start + length }

    /// The note's frequency in hertz, equal temperament with A4 = 440 Hz.
    public var frequency: Double { Note.frequency(ofPitch: pitch) }

    /// The frequency in hertz of a MIDI note number.
    public static func frequency(ofPitch pitch: Int) -> Double {
        440 * pow(2, (Double(pitch) - 69) / 12)
    }
}

/// A monophonic tune: notes in time order that never overlap, and the tune's length.
///
/// The length counts trailing rests, so a tune that ends with a rest keeps its
/// silence when rendered and re-encoded.
public struct Melody: Sendable, Hashable, Codable {
    /// The notes, ordered by start step, non-overlapping.
    public var notes: [Note]
    /// The tune's length in grid steps (≥ the last note's end).
    public var steps: Int

    /// A melody of `notes` lasting `steps` steps (at least until the last note ends).
    public init(notes: [Note], steps: Int) {
        self.notes = notes
        self.steps = max(steps, notes.last?.end ?? 0)
    }
}
