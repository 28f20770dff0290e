/// Part-writing rules for models of several voices (chorales): while a lower voice of a
/// step is sampled, a token that would move it in parallel perfect fifths or octaves
/// (unisons included) with a voice already decided in that step, or put it above the voice
/// just above it, is ruled out — whenever a token that breaks no rule remains.
///
/// Voices are written highest first within a step (soprano, alto, tenor, bass), so when
/// voice v is sampled every voice above it is decided. Two voices move in parallel when
/// both sounded on the previous step and sound now, both changed pitch in the same
/// direction, and the interval between them, reduced to an octave, is a perfect fifth (7)
/// or an octave or unison (0) on both steps — the count a theory teacher makes, and the one
/// `scripts/chorale-stats` makes. The rule sees token ids only, and each sample keeps its
/// own `State`, so sampling stays reproducible and batch-invariant.
public struct VoiceLeading: Sendable, Equatable {
    /// The pitch of each note token.
    public var pitches: [Int: Int]
    /// The hold token: the voice goes on sounding what it sounded.
    public var hold: Int
    /// Voices per step, highest first.
    public var voices: Int
    /// Every step token (notes, hold, rest).
    public var stepTokens: Set<Int>
    /// The end-of-tune token, after which a new tune starts.
    public var endOfTune: Int

    /// Rules over these ids.
    public init(pitches: [Int: Int], hold: Int, voices: Int, stepTokens: Set<Int>, endOfTune: Int) {
        self.pitches = pitches
        self.hold = hold
        self.voices = voices
        self.stepTokens = stepTokens
        self.endOfTune = endOfTune
    }

    /// What each voice sounds, for one tune.
    public struct State: Sendable, Equatable {
        /// The pitch each voice sounded at the last whole step (nil: silent, or no step yet).
        var previous: [Int?] = []
        /// The pitch each voice of the step being written sounds, for the voices written.
        var current: [Int?] = []

        /// A tune before its first step.
        public init() {}
    }

    /// Moves `state` past `token`.
    public func observe(_ token: Int, in state: inout State) {
        if token == endOfTune {
            state = State()
            return
        }
        guard stepTokens.contains(token) else { return }
        if state.previous.isEmpty { state.previous = Array(repeating: nil, count: voices) }
        let voice = state.current.count
        state.current.append(sounding(token, voice: voice, state: state))
        if state.current.count == voices {
            state.previous = state.current
            state.current = []
        }
    }

    /// `candidates` without the step tokens that break a rule for the voice sampled next,
    /// unless that leaves no step token; other tokens are kept as they are.
    public func filter(_ candidates: [Int], after state: State) -> [Int] {
        let voice = state.current.count
        guard voice > 0 else { return candidates }
        let kept = candidates.filter { !stepTokens.contains($0) || !breaksARule($0, voice: voice, state: state) }
        return kept.contains(where: stepTokens.contains) || !candidates.contains(where: stepTokens.contains)
            ? kept : candidates
    }

    /// The pitch `voice` sounds with `token`.
    private func sounding(_ token: Int, voice: Int, state: State) -> Int? {
        if let pitch = pitches[token] { return pitch }
        if token == hold, voice < state.previous.count { return state.previous[voice] }
        return nil
    }

    private func breaksARule(_ token: Int, voice v: Int, state: State) -> Bool {
        guard let now = sounding(token, voice: v, state: state) else { return false }
        // Crossing: above the voice just above.
        if let above = state.current[v - 1], now > above { return true }
        guard v < state.previous.count, let before = state.previous[v], now != before else { return false }
        for u in 0..<v {
            guard let upperBefore = state.previous[u], let upperNow = state.current[u], upperNow != upperBefore else {
                continue
            }
            guard (upperNow > upperBefore) == (now > before) else { continue }
            let intervalBefore = abs(upperBefore - before) % 12, intervalNow = abs(upperNow - now) % 12
            if intervalBefore == intervalNow && (intervalNow == 7 || intervalNow == 0) { return true }
        }
        return false
    }
}
