/// A trained model that a new run starts from instead of random weights (`--init`):
/// fine-tuning a shipped model on the user's own text.
///
/// The run takes the model's kind, cell, layers, hidden size and input (one-hot or an
/// embedding of its width). Tokens of the new corpus that the model does not know are
/// appended to its vocabulary, so every known token keeps its id; their new input
/// columns (or embedding rows) and head rows are the values a fresh model with the
/// run's seed would have, and every trained value is kept bit for bit.
public struct InitialModel: Sendable {
    /// The name recorded in the training metadata (`init`): the model file's stem.
    public let name: String
    /// The model.
    public let model: RecurModel

    /// A start from `model`, recorded under `name`.
    public init(model: RecurModel, name: String) {
        self.model = model
        self.name = name
    }

    /// Sets the shape of `configuration` from the model and records the parent. The
    /// flags are those the user gave (nil when not given); one that asks for another
    /// shape than the model has is refused, naming both values.
    public func configure(
        _ configuration: inout TrainingConfiguration, kind: Vocabulary.Kind?, cell: CellKind?,
        layers: Int?, hidden: Int?, embedding: Int?
    ) throws(TrainingError) {
        let network = model.network
        func check<T: Equatable>(_ given: T?, _ has: T, _ setting: String, _ describe: (T) -> String) throws(TrainingError) {
            if let given, given != has {
                throw .initConflict(model: name, has: describe(has), setting: setting, given: "\(given)")
            }
        }
        try check(kind, model.vocabulary.kind, "kind") { "kind \($0.rawValue)" }
        try check(cell, network.cell, "cell") { "cell \($0.rawValue)" }
        try check(layers, network.layerCount, "layers") { "\($0) layers" }
        try check(hidden, network.hiddenSize, "hidden") { "hidden size \($0)" }
        if let embedding, embedding != network.embedding?.columns {
            let has = network.embedding.map { "an embedding of width \($0.columns)" } ?? "one-hot input (no embedding)"
            throw .initConflict(model: name, has: has, setting: "embedding", given: "\(embedding)")
        }
        configuration.kind = model.vocabulary.kind
        configuration.cell = network.cell
        configuration.layers = network.layerCount
        configuration.hidden = network.hiddenSize
        configuration.embedding = network.embedding?.columns
        configuration.initModel = name
        configuration.initSHA256 = model.dataSHA256
    }

    /// `configuration` with the parent recorded, or an error when its shape is not the model's.
    func verified(_ configuration: TrainingConfiguration) throws(TrainingError) -> TrainingConfiguration {
        var expected = configuration
        try configure(
            &expected, kind: configuration.kind, cell: configuration.cell, layers: configuration.layers,
            hidden: configuration.hidden, embedding: configuration.embedding)
        if let width = expected.embedding, configuration.embedding == nil {
            throw .initConflict(model: name, has: "an embedding of width \(width)", setting: "embedding", given: "none")
        }
        return expected
    }

    /// The starting weights for `vocabulary`, which holds the model's tokens first and
    /// then the new ones: a fresh initialisation drawn from `random`, as a run from
    /// scratch would draw it, with the model's trained values written over it.
    func network(for vocabulary: Vocabulary, random: inout SampleRandom) -> RecurrentNetwork {
        let parent = model.network
        let shape = RecurrentNetwork(
            cell: parent.cell, vocabularySize: vocabulary.count, hiddenSize: parent.hiddenSize,
            layerCount: parent.layerCount, embeddingSize: parent.embedding?.columns)
        var network = RecurrentNetwork.initialized(shape, random: &random)
        let known = parent.vocabularySize
        for k in parent.layers.indices.dropFirst() { network.layers[k] = parent.layers[k] }
        if let embedding = parent.embedding {
            network.embedding?.values.replaceSubrange(0..<embedding.count, with: embedding.values)
            network.layers[0] = parent.layers[0]
        } else {
            // One-hot input: `weight_ih_l0` is [G·H, V], a column per token.
            let trained = parent.layers[0].inputWeights, width = vocabulary.count
            for row in 0..<trained.rows {
                network.layers[0].inputWeights.values.replaceSubrange(
                    (row * width)..<(row * width + known), with: trained.values[(row * known)..<((row + 1) * known)])
            }
            network.layers[0].hiddenWeights = parent.layers[0].hiddenWeights
            network.layers[0].inputBias = parent.layers[0].inputBias
            network.layers[0].hiddenBias = parent.layers[0].hiddenBias
        }
        network.headWeights.values.replaceSubrange(0..<parent.headWeights.count, with: parent.headWeights.values)
        network.headBias.replaceSubrange(0..<known, with: parent.headBias)
        return network
    }
}
