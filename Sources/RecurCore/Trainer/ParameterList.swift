import Foundation

/// Every trainable tensor of a network, by PyTorch name, with the matching tensor of
/// its gradients: one list that the optimizer, the clipping and the checkpoints walk.
///
/// `@unchecked Sendable`: key paths are immutable values, they are just not marked.
struct ParameterList: @unchecked Sendable {
    struct Entry {
        let name: String
        let weights: WritableKeyPath<RecurrentNetwork, [Float]>
        let writableGradient: WritableKeyPath<NetworkGradients, [Float]>
        var gradient: KeyPath<NetworkGradients, [Float]> { writableGradient }

        init(
            name: String, weights: WritableKeyPath<RecurrentNetwork, [Float]>,
            gradient: WritableKeyPath<NetworkGradients, [Float]>
        ) {
            self.name = name
            self.weights = weights
            self.writableGradient = gradient
        }
    }

    let entries: [Entry]

    init(for network: RecurrentNetwork) {
        var entries: [Entry] = []
        if network.embedding != nil {
            entries.append(Entry(name: "embedding.weight", weights: \.embedding!.values, gradient: \.embedding!.values))
        }
        for k in network.layers.indices {
            entries.append(
                Entry(
                    name: "rnn.weight_ih_l\(k)", weights: \.layers[k].inputWeights.values,
                    gradient: \.layers[k].inputWeights.values))
            entries.append(
                Entry(
                    name: "rnn.weight_hh_l\(k)", weights: \.layers[k].hiddenWeights.values,
                    gradient: \.layers[k].hiddenWeights.values))
            entries.append(Entry(name: "rnn.bias_ih_l\(k)", weights: \.layers[k].inputBias, gradient: \.layers[k].inputBias))
            entries.append(Entry(name: "rnn.bias_hh_l\(k)", weights: \.layers[k].hiddenBias, gradient: \.layers[k].hiddenBias))
        }
        entries.append(Entry(name: "head.weight", weights: \.headWeights.values, gradient: \.headWeights.values))
        entries.append(Entry(name: "head.bias", weights: \.headBias, gradient: \.headBias))
        self.entries = entries
    }
}

extension RecurrentNetwork {
    /// PyTorch's default initialisation, from `random`: recurrent and head weights and
    /// biases uniform in ±1/√H (`nn.LSTM`, `nn.Linear` with fan-in H), embedding N(0, 1).
    static func initialized(_ shape: RecurrentNetwork, random: inout SampleRandom) -> RecurrentNetwork {
        var network = shape
        let bound = 1 / Float(network.hiddenSize).squareRoot()
        for entry in ParameterList(for: network).entries {
            let count = network[keyPath: entry.weights].count
            if entry.name == "embedding.weight" {
                network[keyPath: entry.weights] = (0..<count).map { _ in random.nextNormal() }
            } else {
                network[keyPath: entry.weights] = (0..<count).map { _ in Float(random.nextUnit() * 2 - 1) * bound }
            }
        }
        return network
    }
}

extension SampleRandom {
    /// A standard normal draw (Box–Muller).
    mutating func nextNormal() -> Float {
        let u = max(nextUnit(), 1e-300), v = nextUnit()
        return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
    }
}
