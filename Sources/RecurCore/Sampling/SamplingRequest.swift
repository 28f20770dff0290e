/// What to sample (DESIGN.md §4, §7): how many samples, how long, and how to choose
/// each token. The same request, model file and seed always give the same output.
public struct SamplingRequest: Sendable, Equatable {
    /// Number of samples.
    public var count: Int = 1
    /// Maximum tokens generated per sample, not counting the prime.
    public var length: Int = 400
    /// Softmax temperature; 0 means greedy argmax; nil means `defaultTemperature`. Kept
    /// optional so that a beam search, which draws nothing, can refuse one that was given.
    public var temperature: Double?
    /// The temperature of a request that gives none.
    public static let defaultTemperature = 0.8
    /// Keep only the k most probable tokens (0 = no limit).
    public var topK: Int = 0
    /// Nucleus sampling threshold (1 = no limit).
    public var topP: Double = 1
    /// Text fed through the network before sampling, and the start of every sample.
    /// Notes models: token names separated by spaces.
    public var prime: String = ""
    /// Text models: a sample ends before the first of these strings it produces.
    public var stop: [String] = []
    /// The seed; sample i draws from the stream `SampleRandom(seed:index: i)`.
    public var seed: UInt64 = 0
    /// Notes models: the tokens each of the first generated tokens may be, in order. A
    /// one-token set forces that token; a larger set lets the model choose among those
    /// tokens only (its probabilities renormalised over them). This is how a tune gets
    /// the meter and mode asked for, or one the model picks, at its start.
    public var guide: [[String]] = []
    /// Odds for some of the guide's positions: where `guideOdds[i]` is not empty, token i is
    /// one of `guide[i]` drawn with these odds (in `guide[i]`'s order; at temperature 0 the
    /// likeliest) instead of the model's probabilities. A tune whose mode is asked for gets
    /// its meter so, by the corpus's share of that mode's tunes in each meter: the model
    /// writes the meter before the mode and cannot know it yet. Beam search ignores them.
    public var guideOdds: [[Double]] = []
    /// Notes models: tokens fed before the tune, which are not part of the sample. A model
    /// trained with its state carried from one tune into the next has only ever started
    /// a tune after the end of another; from the zero state its first tokens go astray.
    /// The warm-up gives it such an end to start after (`NoteEncoding.warmup`).
    public var warmup: [String] = []
    /// Notes models with meters: bar lines only where the meter puts them, once the tune
    /// has its meter header (`BarGrammar`); nil lets the model place them.
    public var bars: BarGrammar?
    /// Models of several voices: no parallel fifths or octaves and no crossing where the
    /// model leaves a choice (`VoiceLeading`); nil lets the voices go as the model likes.
    public var voiceLeading: VoiceLeading?
    /// Each sample is the likeliest of this many candidates drawn together (highest mean
    /// log-likelihood per token); nil or 1 draws one. Candidate c of sample i draws from
    /// `SampleRandom(seed:index: i, candidate: c)`, so a sample never depends on `count`.
    public var bestOf: Int?
    /// A beam search of this width instead of sampling (DESIGN.md §4, "Beam search"): the
    /// likeliest continuation it finds, by mean log-likelihood per token. Deterministic;
    /// it takes no temperature, top-k, top-p or best-of, and one sample.
    public var beam: Int?

    /// The temperature sampling uses: the one given, or `defaultTemperature`.
    public var effectiveTemperature: Double { temperature ?? Self.defaultTemperature }

    /// Rows of the batch each sample takes: its candidates, or its beam.
    public var rowsPerSample: Int { beam ?? bestOf ?? 1 }

    /// Rows of the batch the whole request takes.
    public var rows: Int { count * rowsPerSample }

    /// `, best of 8` or `, beam 4` for log lines; empty for plain sampling.
    public var searchDescription: String {
        if let beam { return ", beam \(beam)" }
        if let bestOf, bestOf > 1 { return ", best of \(bestOf)" }
        return ""
    }

    /// Limits a request must respect; the daemon may configure tighter ones.
    public struct Limits: Sendable, Equatable {
        /// Most samples per request.
        public var maximumCount = 10_000
        /// Most tokens per sample.
        public var maximumLength = 1_000_000
        /// Most tokens in all samples of one request together.
        public var maximumTotalTokens = 10_000_000
        /// Longest prime, in characters.
        public var maximumPrimeLength = 100_000
        /// Most stop sequences.
        public var maximumStops = 16
        /// Most candidates per sample (`bestOf`) and widest beam (`beam`).
        public var maximumCandidates = 64
        /// The defaults.
        public init() {}
    }

    /// A request with the defaults (1 sample of 400 tokens at temperature 0.8).
    public init() {}

    /// Checks every field against the model and the limits and turns the prime into
    /// token ids. Errors name the field, the value and the fix.
    public func prepared(for model: RecurModel, limits: Limits = Limits()) throws(RequestError) -> PreparedRequest {
        guard (1...limits.maximumCount).contains(count) else {
            throw RequestError(field: "count", value: String(count), problem: "must be between 1 and \(limits.maximumCount)")
        }
        guard (1...limits.maximumLength).contains(length) else {
            throw RequestError(field: "length", value: String(length), problem: "must be between 1 and \(limits.maximumLength)")
        }
        guard count * length <= limits.maximumTotalTokens else {
            throw RequestError(
                field: "length", value: String(length),
                problem:
                    "count × length = \(count * length) exceeds the limit of \(limits.maximumTotalTokens) tokens per request; ask for fewer or shorter samples"
            )
        }
        if let temperature, !temperature.isFinite || !(0...100).contains(temperature) {
            throw RequestError(field: "temperature", value: String(temperature), problem: "must be between 0 (greedy) and 100")
        }
        try checkSearch(limits: limits)
        guard topK >= 0 else {
            throw RequestError(
                field: "top_k", value: String(topK), problem: "must be 0 (no limit) or a positive number of tokens")
        }
        guard topP.isFinite, topP > 0, topP <= 1 else {
            throw RequestError(field: "top_p", value: String(topP), problem: "must be greater than 0 and at most 1")
        }
        guard prime.unicodeScalars.count <= limits.maximumPrimeLength else {
            throw RequestError(
                field: "prime", value: String(prime.prefix(40)) + "…",
                problem: "is longer than \(limits.maximumPrimeLength) characters")
        }
        let vocabulary = model.vocabulary
        var primeIDs: [Int] = []
        switch vocabulary.kind {
        case .text:
            for scalar in prime.unicodeScalars {
                guard let id = vocabulary.id(of: String(scalar)) else {
                    throw RequestError(
                        field: "prime", value: String(scalar).debugDescription,
                        problem: "contains a character the model '\(model.name)' does not know; remove it or use another model")
                }
                primeIDs.append(id)
            }
        case .notes:
            for name in prime.split(whereSeparator: \.isWhitespace) {
                guard let id = vocabulary.id(of: String(name)) else {
                    throw RequestError(
                        field: "prime", value: String(name),
                        problem: "is not a note token of the model '\(model.name)' (tokens look like n60, -, r)")
                }
                primeIDs.append(id)
            }
        }
        guard stop.count <= limits.maximumStops else {
            throw RequestError(field: "stop", value: String(stop.count), problem: "has more than \(limits.maximumStops) entries")
        }
        if !stop.isEmpty && vocabulary.kind == .notes {
            throw RequestError(
                field: "stop", value: stop.joined(separator: ","),
                problem: "applies to text models only; a notes sample ends at <eos> or at its length")
        }
        if let empty = stop.first(where: { $0.isEmpty || $0.unicodeScalars.count > 1000 }) {
            throw RequestError(field: "stop", value: empty.debugDescription, problem: "entries must be 1 to 1000 characters long")
        }
        var guideIDs: [[Int]] = []
        for (position, allowed) in guide.enumerated() {
            guard !allowed.isEmpty else {
                throw RequestError(
                    field: "guide", value: "[]", problem: "token \(position + 1) allows no token; give at least one")
            }
            var ids: [Int] = []
            for name in allowed {
                guard let id = vocabulary.id(of: name), name != Vocabulary.endOfTune else {
                    throw RequestError(
                        field: "guide", value: name, problem: "is not a token the model '\(model.name)' can start a tune with")
                }
                ids.append(id)
            }
            guideIDs.append(ids.sorted())
        }
        var guideOddsByID: [[Double]] = []
        for (position, odds) in guideOdds.enumerated() where !odds.isEmpty {
            guard position < guide.count, odds.count == guide[position].count, odds.allSatisfy({ $0 >= 0 && $0.isFinite }),
                odds.contains(where: { $0 > 0 })
            else {
                throw RequestError(
                    field: "guide_odds", value: "\(odds)",
                    problem: "must give a weight of at least 0 to each token of guide position \(position + 1), some above 0")
            }
            let byID = Dictionary(zip(guide[position].compactMap { vocabulary.id(of: $0) }, odds)) { a, _ in a }
            while guideOddsByID.count < position { guideOddsByID.append([]) }
            guideOddsByID.append(guideIDs[position].map { byID[$0] ?? 0 })
        }
        if primeIDs.isEmpty { primeIDs = [vocabulary.startID] }
        var inputs: [Int] = []
        for name in warmup {
            guard let id = vocabulary.id(of: name) else {
                throw RequestError(field: "warmup", value: name, problem: "is not a token of the model '\(model.name)'")
            }
            inputs.append(id)
        }
        // A notes tune starts where training tunes start: after <eos>, which a model
        // trained with resets reads from the zero state.
        if vocabulary.kind == .notes, let end = vocabulary.id(of: Vocabulary.endOfTune), primeIDs.first != end {
            inputs.append(end)
        }
        var barState = BarGrammar.State()
        var voiceState = VoiceLeading.State()
        for id in primeIDs {
            bars?.observe(id, in: &barState)
            voiceLeading?.observe(id, in: &voiceState)
        }
        return PreparedRequest(
            request: self, inputs: inputs + primeIDs, stops: stop.map { Array($0.unicodeScalars) }, guide: guideIDs,
            guideOdds: guideOddsByID, barState: barState, voiceState: voiceState)
    }
}

extension SamplingRequest {
    /// Checks `bestOf` and `beam`: their ranges, and that a beam search is asked for with
    /// nothing that only sampling uses. Needs no model, so a job file is checked by it
    /// before it reaches the spool.
    public func checkSearch(limits: Limits) throws(RequestError) {
        let most = limits.maximumCandidates
        if let bestOf, !(1...most).contains(bestOf) {
            throw RequestError(field: "best_of", value: String(bestOf), problem: "must be between 1 and \(most) candidates")
        }
        if let beam, !(1...most).contains(beam) {
            throw RequestError(field: "beam", value: String(beam), problem: "must be between 1 and \(most) hypotheses wide")
        }
        if let bestOf, bestOf > 1, temperature == 0 {
            throw RequestError(
                field: "best_of", value: String(bestOf),
                problem: "draws candidates, but at temperature 0 every candidate is the same; use beam for the likeliest sample")
        }
        if rowsPerSample > 1, rows * length > limits.maximumTotalTokens {
            let field = beam != nil ? "beam" : "best_of"
            throw RequestError(
                field: field, value: String(rowsPerSample),
                problem:
                    "\(field) × count × length = \(rows * length) tokens exceeds the limit of \(limits.maximumTotalTokens) tokens per request; ask for fewer candidates or fewer or shorter samples"
            )
        }
        guard let beam else { return }
        let sampling: [(String, Bool)] = [
            ("best_of", bestOf != nil), ("temperature", temperature != nil), ("top_k", topK != 0), ("top_p", topP != 1),
        ]
        if let (name, _) = sampling.first(where: \.1) {
            throw RequestError(
                field: "beam", value: String(beam),
                problem:
                    "is a search and draws nothing, so it cannot be combined with \(name); leave \(name) out, or leave beam out to sample"
            )
        }
        if count != 1 {
            throw RequestError(
                field: "beam", value: String(beam),
                problem: "finds one continuation, the same every time, so count must be 1 (it is \(count))")
        }
    }
}

/// A request checked against a model: the ids to feed first and the stop sequences.
public struct PreparedRequest: Sendable {
    /// The request.
    public let request: SamplingRequest
    /// Token ids fed before sampling starts: any warm-up tokens, then for a notes model an
    /// `<eos>` (training tunes start after one), then the prime or the start token.
    public let inputs: [Int]
    /// Stop sequences as Unicode scalars.
    public let stops: [[Unicode.Scalar]]
    /// The ids each of the first generated tokens may be (`SamplingRequest.guide`), sorted.
    public var guide: [[Int]] = []
    /// `SamplingRequest.guideOdds` in the order of `guide`'s ids.
    public var guideOdds: [[Double]] = []
    /// Where the prime leaves the tune in its bars (`SamplingRequest.bars`).
    public var barState = BarGrammar.State()
    /// What the prime leaves each voice sounding (`SamplingRequest.voiceLeading`).
    public var voiceState = VoiceLeading.State()
}

/// A request field that is out of range or does not fit the model.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field, named as in the job file (`top_k`, not `topK`).
    public let field: String
    /// The offending value, as text.
    public let value: String
    /// What is wrong and how to fix it.
    public let problem: String

    public var description: String { "\(field) = \(value): \(problem)" }
}
