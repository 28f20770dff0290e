/// Where the 16th-note grid steps fall in time, with optional swing.
///
/// A step lasts `15 / tempo` seconds. With swing s, every odd step (the second 16th
/// of each 8th) starts `s / 3` of a step late, so s = 1 turns a pair of 16ths into
/// a 2:1 triplet pair; even steps never move.
public struct StepTiming: Sendable, Hashable {
    /// Quarter notes per minute.
    public let tempo: Double
    /// 0 … 1.
    public let swing: Double
    /// Frames per second.
    public let sampleRate: Int

    /// The timing of a grid at `tempo` BPM with `swing`, sampled at `sampleRate`.
    public init(tempo: Double, swing: Double = 0, sampleRate: Int) {
        self.tempo = tempo
        self.swing = swing
        self.sampleRate = sampleRate
    }

    /// Seconds per grid step.
    public var secondsPerStep: Double { 15 / tempo }

    /// The time, in seconds from the start of the tune, at which `step` begins.
    public func seconds(atStep step: Int) -> Double {
        let delay = step % 2 == 1 ? swing / 3 : 0
        return (Double(step) + delay) * secondsPerStep
    }

    /// The audio frame at which `step` begins (rounded to the nearest frame).
    public func frame(atStep step: Int) -> Int {
        Int((seconds(atStep: step) * Double(sampleRate)).rounded())
    }

    /// The MIDI tick at which `step` begins, at `ticksPerQuarter` ticks a quarter.
    public func tick(atStep step: Int, ticksPerQuarter: Int) -> Int {
        let ticksPerStep = Double(ticksPerQuarter) / 4
        let delay = step % 2 == 1 ? swing / 3 : 0
        return Int(((Double(step) + delay) * ticksPerStep).rounded())
    }
}
