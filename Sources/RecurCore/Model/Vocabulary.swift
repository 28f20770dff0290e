/// The tokens a model reads and writes, in id order, and how text becomes tokens.
///
/// Text models use Unicode scalars (code points) as tokens — the unit Python's `str`
/// iterates — so that a vocabulary built by PyTorch scripts means the same here.
/// Notes models use whitespace-separated token names (DESIGN.md §5).
public struct Vocabulary: Sendable, Equatable {
    /// What the tokens are.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// One Unicode scalar per token.
        case text
        /// Note token names such as `n67`, `-`, `r`, `<eos>`.
        case notes
    }

    /// The end-of-tune token of notes models.
    public static let endOfTune = "<eos>"

    /// Text or notes.
    public let kind: Kind
    /// The tokens; a token's id is its index.
    public let tokens: [String]
    private let ids: [String: Int]

    /// A vocabulary of distinct tokens (for text, each exactly one Unicode scalar).
    public init?(kind: Kind, tokens: [String]) {
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() {
            guard ids[token] == nil else { return nil }
            if kind == .text && token.unicodeScalars.count != 1 { return nil }
            if kind == .notes && (token.isEmpty || token.contains(where: \.isWhitespace)) { return nil }
            ids[token] = id
        }
        self.kind = kind
        self.tokens = tokens
        self.ids = ids
    }

    /// V, the number of tokens.
    public var count: Int { tokens.count }

    /// The id of `token`, if the vocabulary has it.
    public func id(of token: String) -> Int? { ids[token] }

    /// The token an unprimed sample starts from: "\n" for text (the start of a line),
    /// `<eos>` for notes (the start of a tune). A vocabulary without it starts from its
    /// first token, so that every valid model can sample without a prime (DESIGN.md §4).
    public var startID: Int {
        id(of: kind == .text ? "\n" : Self.endOfTune) ?? 0
    }

    /// A corpus turned into token ids, with what could not be encoded.
    public struct Encoding: Sendable, Equatable {
        /// The ids, in order.
        public var ids: [Int]
        /// How many characters (text) or token names (notes) were not in the vocabulary.
        public var unknownCount: Int
        /// Up to ten distinct unknown tokens, for messages.
        public var unknownExamples: [String]
    }

    /// Encodes a corpus. Unknown characters or names are dropped and counted.
    ///
    /// A notes corpus has one tune per line; each tune is preceded and followed by
    /// `<eos>` (one `<eos>` between consecutive tunes), matching how sampling starts
    /// a tune from `<eos>`.
    public func encode(_ corpus: String) -> Encoding {
        var encoding = Encoding(ids: [], unknownCount: 0, unknownExamples: [])
        func add(_ token: String) {
            if let id = ids[token] {
                encoding.ids.append(id)
            } else {
                encoding.unknownCount += 1
                if encoding.unknownExamples.count < 10 && !encoding.unknownExamples.contains(token) {
                    encoding.unknownExamples.append(token)
                }
            }
        }
        switch kind {
        case .text:
            encoding.ids.reserveCapacity(corpus.unicodeScalars.count)
            for scalar in corpus.unicodeScalars { add(String(scalar)) }
        case .notes:
            add(Self.endOfTune)
            for line in corpus.split(whereSeparator: \.isNewline) {
                let names = line.split(whereSeparator: \.isWhitespace)
                guard !names.isEmpty else { continue }
                for name in names where name != Self.endOfTune { add(String(name)) }
                add(Self.endOfTune)
            }
        }
        return encoding
    }

    /// The text of a token sequence (notes: names joined by spaces).
    public func decode(_ sequence: [Int]) -> String {
        switch kind {
        case .text: sequence.map { tokens[$0] }.joined()
        case .notes: sequence.map { tokens[$0] }.joined(separator: " ")
        }
    }
}
