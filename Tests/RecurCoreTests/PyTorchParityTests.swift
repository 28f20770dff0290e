import Foundation
import Testing

@testable import RecurCore

/// Recur's forward pass against PyTorch, on models and outputs written by
/// `scripts/make-parity-fixtures` (PyTorch, float64 reference, weights scaled ×2.5 so
/// that gates saturate and mistakes in gate order or equations show).
struct PyTorchParityTests {
    struct Expected: Decodable {
        let tokens: [Int]
        let logits: [[Double]]
        let loss: Double
        let hidden: [[Double]]
        let memory: [[Double]]
    }

    static let cases = [
        "lstm-l1-onehot", "lstm-l2-emb5", "lstm-l3-onehot", "gru-l1-emb5", "gru-l2-onehot", "gru-l3-emb5",
        "rnn-l1-onehot", "rnn-l2-emb5",
    ]

    @Test("logits, loss and final state match PyTorch to 1e-5", arguments: cases)
    func sequenceForwardMatchesPyTorch(name: String) throws {
        let model = try RecurModel(contentsOf: fixture("parity/\(name).safetensors"))
        let expected = try loadJSON(Expected.self, "parity/\(name).json")
        var state = NetworkState(for: model.network, batch: 1)
        let logits = model.network.forward(tokens: expected.tokens, steps: expected.tokens.count, state: &state)
        #expect(maximumRelativeError(logits.values, expected.logits.flatMap { $0 }) < 1e-5)
        for k in 0..<model.network.layerCount {
            #expect(maximumRelativeError(state.hidden[k].values, expected.hidden[k]) < 1e-5)
            if model.network.cell == .lstm {
                #expect(maximumRelativeError(state.memory[k].values, expected.memory[k]) < 1e-5)
            }
        }
        var loss = 0.0
        let v = model.network.vocabularySize
        for t in 0..<(expected.tokens.count - 1) {
            let row = Array(logits.values[(t * v)..<((t + 1) * v)])
            loss -= Double(Activations.logSoftmax(row)[expected.tokens[t + 1]])
        }
        loss /= Double(expected.tokens.count - 1)
        #expect(abs(loss - expected.loss) <= 1e-5 * max(1, expected.loss))
    }

    @Test("step-by-step forward equals the whole-sequence forward", arguments: cases)
    func stepByStepEqualsSequence(name: String) throws {
        let model = try RecurModel(contentsOf: fixture("parity/\(name).safetensors"))
        let expected = try loadJSON(Expected.self, "parity/\(name).json")
        var state = NetworkState(for: model.network, batch: 1)
        var values: [Float] = []
        for token in expected.tokens {
            values += model.network.forward(tokens: [token], steps: 1, state: &state).values
        }
        #expect(maximumRelativeError(values, expected.logits.flatMap { $0 }) < 1e-5)
    }

    struct Batch: Decodable {
        let `case`: String
        let tokens: [[Int]]
        let logits: [[[Double]]]
        let hidden: [[[Double]]]
    }

    @Test("a batch of three different sequences matches PyTorch row by row")
    func batchedForwardMatchesPyTorch() throws {
        let batch = try loadJSON(Batch.self, "parity/batch.json")
        let model = try RecurModel(contentsOf: fixture("parity/\(batch.case).safetensors"))
        let rows = batch.tokens[0].count
        var state = NetworkState(for: model.network, batch: rows)
        let logits = model.network.forward(tokens: batch.tokens.flatMap { $0 }, steps: batch.tokens.count, state: &state)
        #expect(maximumRelativeError(logits.values, batch.logits.flatMap { $0.flatMap { $0 } }) < 1e-5)
        for k in 0..<model.network.layerCount {
            #expect(maximumRelativeError(state.hidden[k].values, batch.hidden[k].flatMap { $0 }) < 1e-5)
        }
    }

    struct EvalExpectation: Decodable {
        let loss_nats: Double
        let tokens: Int
        let unknown: Int
    }

    @Test("evaluation over a corpus with unknown characters matches PyTorch")
    func evaluationMatchesPyTorch() throws {
        let expected = try loadJSON([String: EvalExpectation].self, "parity/eval-expected.json")
        let corpus = try String(contentsOfFile: fixture("parity/eval-corpus.txt"), encoding: .utf8)
        #expect(!expected.isEmpty)
        for (name, expectation) in expected {
            let model = try RecurModel(contentsOf: fixture("parity/\(name).safetensors"))
            for chunk in [1, 7, 512] {
                let result = try Evaluator.evaluate(model, corpus: corpus, label: "eval-corpus.txt", chunkLength: chunk)
                #expect(abs(result.lossNats - expectation.loss_nats) <= 1e-5 * expectation.loss_nats)
                #expect(result.tokens == expectation.tokens)
                #expect(result.unknownCount == expectation.unknown)
            }
        }
    }

    @Test("re-saving a PyTorch-written file keeps every tensor byte and the checksum", arguments: cases)
    func resavingIsByteStable(name: String) throws {
        let path = fixture("parity/\(name).safetensors")
        let original = try Safetensors(contentsOf: path)
        var model = try RecurModel(contentsOf: path)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = directory + "/copy.safetensors"
        let checksum = try model.save(to: copy)
        let resaved = try Safetensors(contentsOf: copy)
        #expect(checksum == original.metadata["data_sha256"])
        #expect(resaved.data == original.data)
        #expect(Set(resaved.tensors.keys) == Set(original.tensors.keys))
        for (key, info) in original.tensors {
            #expect(resaved.tensors[key]?.shape == info.shape)
            #expect(resaved.data[resaved.tensors[key]!.byteRange] == original.data[info.byteRange])
        }
        for field in ["format", "cell", "layers", "hidden", "kind", "vocab", "name", "description"] {
            #expect(resaved.metadata[field] != nil, "field \(field)")
        }
        #expect(try RecurModel(contentsOf: copy).network == model.network)
    }
}
