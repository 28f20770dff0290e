extension BarGrammar {
    /// How a tune ends (`BarGrammar.cadence`): on the tonic of its mode, at a bar line,
    /// after as many bars as a tune of its meter in the corpus.
    ///
    /// Folk tunes end on their final (a corpus's mode is named by it) and chorales with the
    /// tonic in the bass; a small model ends a tune on the tonic far less often, and where
    /// it likes. The grammar draws each tune's length in bars from the corpus's lengths for
    /// its meter (`barsPerTune`, recorded by `recur train`), lets the tune end only after
    /// that many, and has the cadence voice sound the tonic through the last beat — held if
    /// it already sounds, struck if not. The other voices, and everything before the last
    /// beat, stay the model's.
    public struct Cadence: Sendable, Equatable {
        /// For each mode header token, the note tokens whose pitch is that mode's tonic.
        public var tonicNotes: [Int: Set<Int>]
        /// Every note token (an onset), to tell the note a voice sounds.
        public var notes: Set<Int>
        /// The hold token, which keeps a note sounding.
        public var hold: Int?
        /// The voice whose last note is the tonic: 0 for a melody, the lowest of several.
        public var voice: Int
        /// For each meter header token, the steps of its last beat (4 for x/4, 6 for 6/8).
        public var beatSteps: [Int: Int]
        /// For each meter header token and, where the corpus has enough tunes of it, each
        /// meter and mode header token, how many of the corpus's tunes last how many bars,
        /// ascending by bars. A tune takes its meter and mode's lengths, else its meter's; a
        /// meter without lengths lets a tune end at any whole bar that ends on the tonic,
        /// and closes it when the token budget is nearly spent.
        public var barsPerTune: [Kind: [BarCount]]

        /// The tunes a length table is for: a meter, and a mode or any.
        public struct Kind: Sendable, Hashable {
            /// The meter header token.
            public var meter: Int
            /// The mode header token; nil for every mode.
            public var mode: Int?

            /// A kind of tune.
            public init(meter: Int, mode: Int? = nil) {
                self.meter = meter
                self.mode = mode
            }
        }

        /// A number of tunes of a number of bars.
        public struct BarCount: Sendable, Equatable {
            /// Bars (a pickup and the bar completing it count as one).
            public var bars: Int
            /// Tunes of that many bars.
            public var tunes: Int

            /// A count.
            public init(bars: Int, tunes: Int) {
                self.bars = bars
                self.tunes = tunes
            }
        }

        /// A cadence over these ids.
        public init(
            tonicNotes: [Int: Set<Int>], notes: Set<Int>, hold: Int?, voice: Int, beatSteps: [Int: Int] = [:],
            barsPerTune: [Kind: [BarCount]] = [:]
        ) {
            self.tonicNotes = tonicNotes
            self.notes = notes
            self.hold = hold
            self.voice = voice
            self.beatSteps = beatSteps
            self.barsPerTune = barsPerTune.filter { !$0.value.isEmpty && $0.value.allSatisfy { $0.tunes > 0 } }
        }

        /// The lengths for a tune of `meter` and `mode`: its own kind's, else its meter's.
        func lengths(meter: Int, mode: Int?) -> [BarCount]? {
            mode.flatMap { barsPerTune[Kind(meter: meter, mode: $0)] } ?? barsPerTune[Kind(meter: meter)]
        }

        /// The length at `draw` ∈ [0, 1) of the cumulative distribution of `counts`: a tune
        /// length drawn as often as the corpus has it.
        static func bars(in counts: [BarCount], at draw: Double) -> Int {
            let total = counts.reduce(0) { $0 + $1.tunes }
            var remaining = draw * Double(total)
            for count in counts {
                remaining -= Double(count.tunes)
                if remaining < 0 { return count.bars }
            }
            return counts[counts.count - 1].bars
        }
    }
}
