import Foundation

/// Everything needed to continue a training run exactly where it stopped: the weights,
/// Adam's moments, the data position, the random generator and the step — one
/// safetensors file, written atomically.
///
/// Tensors: the model's (PyTorch names), `adam.m.NAME` and `adam.v.NAME`, and the
/// hidden state carried into the next window, `state.h.K` (and `state.c.K` for LSTM);
/// with `--keep-best`, the best weights so far as `best.NAME`, so that one atomic
/// rename saves them together with the run they belong to.
/// Metadata: `format` = `recur.checkpoint/1`, `vocab`, `kind`, and `checkpoint` =
/// JSON of `CheckpointState`, and `data_sha256` over the tensor bytes.
struct CheckpointState: Codable, Sendable {
    static let formatTag = "recur.checkpoint/1"
    var configuration: TrainingConfiguration
    var corpusSHA256: String
    var step: Int
    var epoch: Int
    var window: Int
    var adamSteps: Int
    var learningRate: Double
    var random: [String]
    var seconds: Double
    var recentLosses: [Double]
    var validationLoss: Double?
    var bestLoss: Double?
    var bestStep: Int?
    var validationsSinceBest: Int?
    var history: LossHistory?

    enum CodingKeys: String, CodingKey {
        case configuration, step, epoch, window, random, seconds
        case corpusSHA256 = "corpus_sha256", adamSteps = "adam_steps", learningRate = "lr"
        case recentLosses = "recent_losses", validationLoss = "val_loss"
        case bestLoss = "best_val_loss", bestStep = "best_step", validationsSinceBest = "validations_since_best", history
    }
}

enum CheckpointFile {
    static let bestPrefix = "best."

    static func write(
        network: RecurrentNetwork, best: RecurrentNetwork?, optimizer: AdamOptimizer, carried: NetworkState,
        vocabulary: Vocabulary, state: CheckpointState, to path: String
    ) throws(TrainingError) {
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for (index, entry) in ParameterList(for: network).entries.enumerated() {
            let values = network[keyPath: entry.weights]
            tensors[entry.name] = ([values.count], values)
            tensors["adam.m." + entry.name] = ([values.count], optimizer.first[index])
            tensors["adam.v." + entry.name] = ([values.count], optimizer.second[index])
            if let best { tensors[bestPrefix + entry.name] = ([values.count], best[keyPath: entry.weights]) }
        }
        for (k, h) in carried.hidden.enumerated() { tensors["state.h.\(k)"] = ([h.rows, h.columns], h.values) }
        for (k, c) in carried.memory.enumerated() { tensors["state.c.\(k)"] = ([c.rows, c.columns], c.values) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stateJSON = (try? encoder.encode(state)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let vocab =
            (try? JSONSerialization.data(withJSONObject: vocabulary.tokens)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        let body = Safetensors.serialize(tensors: tensors, metadata: [:])
        let headerLength = body.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let checksum = RecurModel.sha256(body[(body.startIndex + 8 + headerLength)...])
        let metadata = [
            "format": CheckpointState.formatTag, "kind": vocabulary.kind.rawValue, "vocab": vocab,
            "checkpoint": stateJSON, "data_sha256": checksum,
        ]
        do {
            try AtomicFile.write(Safetensors.serialize(tensors: tensors, metadata: metadata), to: path)
        } catch {
            throw .write(error)
        }
    }

    static func read(_ path: String) throws(TrainingError)
        -> (
            network: RecurrentNetwork, best: BestValidation, optimizer: AdamOptimizer, carried: NetworkState,
            vocabulary: Vocabulary,
            state: CheckpointState
        )
    {
        func fail(_ problem: String) -> TrainingError { .checkpoint(path: path, problem: problem) }
        let file: Safetensors
        do { file = try Safetensors(contentsOf: path) } catch {
            if case .unreadable(let why) = error.reason { throw fail("cannot read the checkpoint (\(why)); check the path") }
            throw fail(error.message)
        }
        guard file.metadata["format"] == CheckpointState.formatTag else {
            throw fail(
                "is not a Recur checkpoint (format is \(file.metadata["format"] ?? "missing")); pass the checkpoint file a training run wrote"
            )
        }
        guard RecurModel.sha256(file.data) == file.metadata["data_sha256"] else {
            throw fail("checksum mismatch: the file is corrupt")
        }
        guard let stateText = file.metadata["checkpoint"],
            let state = try? JSONDecoder().decode(CheckpointState.self, from: Data(stateText.utf8)),
            let kindName = file.metadata["kind"], let kind = Vocabulary.Kind(rawValue: kindName),
            let vocabText = file.metadata["vocab"],
            let tokens = (try? JSONSerialization.jsonObject(with: Data(vocabText.utf8))) as? [String],
            let vocabulary = Vocabulary(kind: kind, tokens: tokens)
        else {
            throw fail("has unreadable checkpoint metadata")
        }
        let c = state.configuration
        var network = RecurrentNetwork(
            cell: c.cell, vocabularySize: vocabulary.count, hiddenSize: c.hidden,
            layerCount: c.layers, embeddingSize: c.embedding)
        var optimizer = AdamOptimizer(for: network, beta1: c.beta1, beta2: c.beta2)
        optimizer.t = state.adamSteps
        let keptBest = c.keepBest && state.bestLoss != nil
        var bestNetwork = network
        for (index, entry) in ParameterList(for: network).entries.enumerated() {
            let count = network[keyPath: entry.weights].count
            guard let weights = file.floats(entry.name), let m = file.floats("adam.m." + entry.name),
                let v = file.floats("adam.v." + entry.name), weights.count == count, m.count == count, v.count == count
            else {
                throw fail("tensor \(entry.name) or its Adam moments are missing or have the wrong size")
            }
            network[keyPath: entry.weights] = weights
            optimizer.first[index] = m
            optimizer.second[index] = v
            if keptBest {
                guard let kept = file.floats(bestPrefix + entry.name), kept.count == count else {
                    throw fail("the best weights \(bestPrefix + entry.name) are missing or have the wrong size")
                }
                bestNetwork[keyPath: entry.weights] = kept
            }
        }
        let best = BestValidation(
            loss: state.bestLoss, step: state.bestStep, network: keptBest ? bestNetwork : nil,
            validationsSinceBest: state.validationsSinceBest ?? 0)
        var carried = NetworkState(for: network, batch: c.batch)
        for k in 0..<c.layers {
            guard let h = file.floats("state.h.\(k)"), h.count == carried.hidden[k].count else {
                throw fail("the carried state state.h.\(k) is missing")
            }
            carried.hidden[k].values = h
            if network.cell.hasMemoryCell {
                guard let m = file.floats("state.c.\(k)"), m.count == carried.memory[k].count else {
                    throw fail("the carried state state.c.\(k) is missing")
                }
                carried.memory[k].values = m
            }
        }
        return (network, best, optimizer, carried, vocabulary, state)
    }
}
