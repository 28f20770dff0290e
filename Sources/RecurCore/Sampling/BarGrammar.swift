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

    /// A grammar over these ids.
    public init(barLine: Int, endOfTune: Int, stepTokens: Set<Int>, stepsPerBar: [Int: Int], voices: Int = 1) {
        self.barLine = barLine
        self.endOfTune = endOfTune
        self.stepTokens = stepTokens.sorted()
        self.isStep = stepTokens
        self.stepsPerBar = stepsPerBar
        self.voices = max(1, voices)
    }

    /// Where one tune stands in its bars.
    public struct State: Sendable, Equatable {
        /// Steps per bar, once a meter header was seen.
        var barLength: Int?
        /// Whole steps in the current bar.
        var steps = 0
        /// Step tokens of the step being written.
        var slot = 0
        /// Bars closed so far.
        var bars = 0
        /// Steps of a first bar closed short; 0 without a pickup.
        var pickup = 0
        /// Whether a bar completing the pickup closed the tune.
        var closed = false

        /// A tune before its first token.
        public init() {}
    }

    /// Moves `state` past `token`.
    public func observe(_ token: Int, in state: inout State) {
        if token == endOfTune {
            // A prime may hold a whole tune: what follows its end is a new tune.
            state = State()
        } else if let length = stepsPerBar[token], state.steps == 0, state.slot == 0, state.bars == 0 {
            state.barLength = length
        } else if token == barLine, state.slot == 0, state.steps > 0 {
            if let length = state.barLength {
                if state.bars == 0 && state.steps < length { state.pickup = state.steps }
                if state.bars > 0 && state.steps < length { state.closed = true }
            }
            state.bars += 1
            state.steps = 0
        } else if isStep.contains(token) {
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
        var allowed: [Int] = []
        let barFull = state.steps >= length
        allowed.reserveCapacity(stepTokens.count + 2)
        if !barFull || state.slot > 0 { allowed = stepTokens }
        let completesPickup = state.pickup > 0 && state.bars > 0 && state.steps == length - state.pickup
        let mayClose = state.slot == 0 && state.steps > 0 && (barFull || state.bars == 0 || completesPickup)
        if mayClose { allowed.append(barLine) }
        allowed.append(endOfTune)
        return allowed
    }
}
