extension Trainer {
    /// A short sample of the weights as they are now (`--sample-every`), drawn at a fixed
    /// seed and temperature so that successive samples differ only by what training changed.
    ///
    /// It starts from the model's usual start token (a newline, or `<eos>` for notes), or
    /// from the corpus's first token when the vocabulary has no such token.
    public func sample(length: Int, seed: UInt64 = 1, temperature: Double = 0.8) -> String {
        let model = RecurModel(network: network, vocabulary: corpus.vocabulary, name: "sample")
        var request = SamplingRequest()
        request.length = max(1, length)
        request.seed = seed
        request.temperature = temperature
        let start = corpus.vocabulary.kind == .text ? "\n" : Vocabulary.endOfTune
        if corpus.vocabulary.id(of: start) == nil, let first = (corpus.training + corpus.validation).first {
            request.prime = corpus.vocabulary.tokens[first]
        }
        guard let prepared = try? request.prepared(for: model) else { return "" }
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(prepared, key: "sample")
        return sampler.runToCompletion().first?.text ?? ""
    }
}
