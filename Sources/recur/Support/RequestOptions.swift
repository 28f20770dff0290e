import ArgumentParser
import RecurCore

/// The request flags shared by `generate` and `submit` (DESIGN.md §8).
struct RequestOptions: ParsableArguments {
    @Option(help: "Number of samples.") var count: Int = 1
    @Option(help: "Maximum tokens per sample, not counting the prime.") var length: Int = 400
    @Option(help: "Softmax temperature; 0 picks the most probable token every time (default: 0.8).") var temperature: Double?
    @Option(name: .customLong("top-k"), help: "Sample only from the k most probable tokens (0 = all).") var topK: Int = 0
    @Option(
        name: .customLong("top-p"), help: "Sample only from the most probable tokens whose total probability reaches p (1 = all)."
    )
    var topP: Double = 1
    @Option(help: "Text fed to the model first; every sample starts with it (notes models: tokens like \"n60 - n62\").")
    var prime: String = ""
    @Option(help: "End a sample before this text (repeatable; text models). Escapes \\n and \\t are understood.")
    var stop: [String] = []
    @Option(help: "Random seed; the same seed, model and flags give the same samples (default: random, printed).")
    var seed: UInt64?
    @Option(
        name: .customLong("best-of"),
        help: ArgumentHelp(
            "Draw N candidates for each sample and keep the likeliest (highest mean log-likelihood), 1–64.", valueName: "n"))
    var bestOf: Int?
    @Option(
        help: ArgumentHelp(
            "Beam search of width K (1–64) instead of sampling: the likeliest continuation found; one sample, no temperature, --top-k, --top-p or --best-of.",
            valueName: "k"))
    var beam: Int?

    /// The request, with a seed chosen when none was given.
    func request(seed chosen: UInt64) -> SamplingRequest {
        var request = SamplingRequest()
        request.count = count
        request.length = length
        request.temperature = temperature
        request.topK = topK
        request.topP = topP
        request.prime = prime
        request.stop = stop.map(Self.unescape)
        request.seed = seed ?? chosen
        request.bestOf = bestOf
        request.beam = beam
        return request
    }

    /// Turns the two-character escapes `\n`, `\t` and `\\` typed on a command line into
    /// the characters they name.
    static func unescape(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        if escaping { result.append("\\") }
        return result
    }
}
