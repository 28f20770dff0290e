/// Bar lines where the meter puts them (notes models with meters): while a tune is
/// sampled, a bar line is only allowed once its bar is full, and then it is the only step
/// that may follow. The first bar may close early (a pickup); a later bar may close as
/// soon as it completes the pickup, and then only the end of the tune may follow, as
/// folk tunes end; the tune may end anywhere.
///
/// A small model sampled at temperature 1 miscounts a bar now and then; a musician reading
/// the tune expects every bar of its meter. The grammar sees token ids only: which id is
/// the bar line, which ids take a step, which meter headers set how many steps a bar has,
/// and how many step tokens make one step (one per voice). Each sample keeps its own
/// `State`, so sampling stays reproducible and batch-invariant.
///
/// With a `Cadence`, a tune also ends as its corpus's tunes do: after as many bars as a
/// tune of its meter in the corpus (drawn from their lengths), with the tonic of its mode
/// in the cadence voice through the last beat, the last bar completing the pickup.
public struct BarGrammar: Sendable, Equatable {
    /// The bar-line token.
    public var barLine: Int
    /// The end-of-tune token, always allowed.
    public var endOfTune: Int
    /// The tokens that take one step of one voice (`n<midi>`, `-`, `r`), ascending.
    public let stepTokens: [Int]
    private let isStep: Set<Int>
    /// Steps per bar for each meter header token.
    public var stepsPerBar: [Int: Int]
    /// Step tokens per step (voices).
    public var voices: Int
    /// How a tune may end (`Cadence`); nil lets it end anywhere.
    public var cadence: Cadence?
    /// Every set `allowed(after:)` gives outside a last bar, made once: the step tokens or
    /// none (bit 2), the bar line (bit 1), `<eos>` (bit 0). Sampling asks for one per token
    /// of every row, so it hands out a shared array instead of building one.
    private let choices: [[Int]]

    /// A grammar over these ids.
    public init(
        barLine: Int, endOfTune: Int, stepTokens: Set<Int>, stepsPerBar: [Int: Int], voices: Int = 1, cadence: Cadence? = nil
    ) {
        self.barLine = barLine
        self.endOfTune = endOfTune
        self.stepTokens = stepTokens.sorted()
        self.isStep = stepTokens
        self.stepsPerBar = stepsPerBar
        self.voices = max(1, voices)
        self.cadence = cadence
        let steps = stepTokens.sorted()
        choices = (0..<8).map { bits in
            (bits & 4 != 0 ? steps : []) + (bits & 2 != 0 ? [barLine] : []) + (bits & 1 != 0 ? [endOfTune] : [])
        }
    }

    /// Where one tune stands in its bars.
    public struct State: Sendable, Equatable {
        /// The meter header token, once seen; `barLength` is its steps per bar.
        var meter: Int?
        /// Steps per bar, once a meter header was seen.
        var barLength: Int?
        /// Whole steps in the current bar.
        var steps = 0
        /// Whole steps before the current bar.
        var stepsBefore = 0
        /// Step tokens of the step being written.
        var slot = 0
        /// Bars closed so far.
        var bars = 0
        /// Steps of a first bar closed short; 0 without a pickup.
        var pickup = 0
        /// Whether the tune's last bar is closed: only its end may follow.
        var closed = false
        /// The mode header token, once seen (cadences).
        var mode: Int?
        /// The note the cadence voice sounds (its last onset, nil after a rest).
        var sounding: Int?
        /// A uniform draw in [0, 1) that picks the tune's length from the corpus's
        /// (`Cadence.barsPerTune`); each sample has its own.
        var draw = 0.5
        /// The most tokens the tune may take (the request's length).
        var budget = Int.max
        /// The bars the tune lasts, once its meter is known (cadences).
        var target: Int?

        /// A tune before its first token.
        public init() {}
    }

    /// Gives a tune its own draw for its length and the token budget of its request; call
    /// once before sampling, after any prime was observed.
    public func start(_ state: inout State, draw: Double, budget: Int) {
        state.draw = draw
        state.budget = budget
        settleTarget(&state)
    }

    /// Moves `state` past `token`.
    public func observe(_ token: Int, in state: inout State) {
        if token == endOfTune {
            // A prime may hold a whole tune: what follows its end is a new tune.
            state = State()
        } else if let length = stepsPerBar[token], state.steps == 0, state.slot == 0, state.bars == 0 {
            state.meter = token
            state.barLength = length
            settleTarget(&state)
        } else if cadence?.tonicNotes[token] != nil, state.steps == 0, state.slot == 0, state.bars == 0 {
            state.mode = token
            settleTarget(&state)
        } else if token == barLine, state.slot == 0, state.steps > 0 {
            if let length = state.barLength {
                if state.bars == 0 && state.steps < length { state.pickup = state.steps }
                if state.bars > 0 && state.steps < length { state.closed = true }
                if isClosingBar(state, length: length) { state.closed = true }
            }
            state.bars += 1
            state.stepsBefore += state.steps
            state.steps = 0
        } else if isStep.contains(token) {
            if let cadence, state.slot == cadence.voice {
                if cadence.notes.contains(token) {
                    state.sounding = token
                } else if token != cadence.hold {
                    state.sounding = nil
                }
            }
            state.slot += 1
            if state.slot == voices {
                state.slot = 0
                state.steps += 1
            }
        }
    }

    /// The tokens allowed next, sorted; nil when the tune has no meter yet (anything goes).
    public func allowed(after state: State) -> [Int]? {
        guard let length = state.barLength else { return nil }
        if state.closed { return [endOfTune] }
        let closing = isClosingBar(state, length: length)
        // The last bar is as long as the pickup leaves it, or whole.
        let barEnd = closing && state.pickup > 0 ? length - state.pickup : length
        let barFull = state.steps >= barEnd
        let steps = !barFull || state.slot > 0
        let completesPickup = state.pickup > 0 && state.bars > 0 && state.steps == length - state.pickup
        // A bar completing the pickup ends the tune, so with a cadence only as the last bar.
        let mayClose =
            state.slot == 0 && state.steps > 0
            && (barFull || state.bars == 0 || (completesPickup && (cadence == nil || state.mode == nil)))
        let mayEnd = mayEnd(state)
        guard steps && closing else { return choices[(steps ? 4 : 0) | (mayClose ? 2 : 0) | (mayEnd ? 1 : 0)] }
        var allowed = cadenceSteps(state, barEnd: barEnd)
        if mayClose { allowed.append(barLine) }
        if mayEnd { allowed.append(endOfTune) }
        return allowed
    }

    /// Whether `<eos>` may come next: anywhere without a cadence; with one, only after the
    /// last bar (or, for a model without lengths, after a whole bar ending on the tonic).
    private func mayEnd(_ state: State) -> Bool {
        guard let cadence, let mode = state.mode else { return true }
        guard let meter = state.meter, cadence.lengths(meter: meter, mode: mode) == nil else { return false }
        let afterWholeBar = state.slot == 0 && state.steps == 0 && state.bars > (state.pickup > 0 ? 1 : 0)
        return afterWholeBar && state.sounding.map { cadence.tonicNotes[mode]?.contains($0) ?? false } ?? false
    }

    /// Whether the bar being written is the tune's last (cadences): the one that brings
    /// the tune to its target length.
    private func isClosingBar(_ state: State, length: Int) -> Bool {
        guard cadence != nil, state.mode != nil, let target = state.target, state.bars > 0 else { return false }
        let last = state.pickup > 0 ? length - state.pickup : length
        return state.stepsBefore + last >= target * length
    }

    /// The step tokens of the last bar: free, but the cadence voice sounds the tonic
    /// through the bar's last beat — held if it already does, struck if it does not.
    private func cadenceSteps(_ state: State, barEnd: Int) -> [Int] {
        guard let cadence, let mode = state.mode, let tonic = cadence.tonicNotes[mode], !tonic.isEmpty,
            state.slot == cadence.voice,
            state.steps >= barEnd - (state.meter.flatMap { cadence.beatSteps[$0] } ?? 4)
        else { return stepTokens }
        var allowed = tonic.sorted()
        if let hold = cadence.hold, let sounding = state.sounding, tonic.contains(sounding) { allowed.append(hold) }
        return allowed.sorted()
    }

    /// Sets the tune's target length once its meter and its draw are known (and again once
    /// its mode is): drawn from the corpus's lengths for the meter and mode, or the most
    /// bars the budget holds.
    private func settleTarget(_ state: inout State) {
        guard let cadence, let meter = state.meter, let length = state.barLength else { return }
        let tokensPerBar = length * voices + 1
        // Headers, the closing bar line and <eos> take a few tokens besides the bars.
        let fitting = max(1, (state.budget == .max ? Int.max / 2 : state.budget - 4) / tokensPerBar)
        let drawn = cadence.lengths(meter: meter, mode: state.mode).map { Cadence.bars(in: $0, at: state.draw) } ?? fitting
        state.target = max(2, min(drawn, fitting))
    }
}
