import Crypto
import Foundation

/// A model as stored in a `.safetensors` file: the network, its vocabulary and the
/// metadata of DESIGN.md §3.
public struct RecurModel: Sendable {
    /// The value of the `format` metadata field this version reads and writes.
    public static let formatTag = "recur.model/1"

    /// The weights.
    public var network: RecurrentNetwork
    /// The tokens, text or notes.
    public var vocabulary: Vocabulary
    /// The model's name: the stem of the file it was loaded from, which is how jobs and
    /// commands name it (a copy `folk-v2.safetensors` is `folk-v2`), or the name it was
    /// built with.
    public var name: String
    /// The name written in the file when it was trained (`folk` for a copy named
    /// `folk-v2`); nil for a model built in memory or a file without one.
    public var trainedName: String?
    /// One line for `recur models`.
    public var summary: String
    /// The `training` metadata as JSON text, if any.
    public var trainingJSON: String?
    /// The `notes` metadata (note encoding) as JSON text, notes models only.
    public var notesJSON: String?
    /// Hex SHA-256 of the tensor bytes, as stored in (or computed for) the file.
    public private(set) var dataSHA256: String
    /// Size of the file it was loaded from, in bytes.
    public private(set) var fileSize: Int?
    /// The file it was loaded from.
    public private(set) var path: String?

    /// The token before which the state was zeroed in training (`<eos>` when the
    /// `training` metadata says `"reset_at_eos": true`), so that scoring a file of many
    /// tunes treats each tune as training and sampling do; nil carries the state.
    public var resetToken: Int? {
        guard let trainingJSON, let object = try? JSONSerialization.jsonObject(with: Data(trainingJSON.utf8)),
            let training = object as? [String: Any], training["reset_at_eos"] as? Bool == true
        else { return nil }
        return vocabulary.id(of: Vocabulary.endOfTune)
    }

    /// A model not yet saved.
    public init(
        network: RecurrentNetwork, vocabulary: Vocabulary, name: String, summary: String = "",
        trainingJSON: String? = nil, notesJSON: String? = nil
    ) {
        precondition(vocabulary.count == network.vocabularySize, "vocabulary and network disagree")
        self.network = network
        self.vocabulary = vocabulary
        self.name = name
        self.summary = summary
        self.trainingJSON = trainingJSON
        self.notesJSON = notesJSON
        self.dataSHA256 = ""
    }

    /// The file's bytes: tensors with PyTorch's names, and the metadata.
    public func serialized() -> Data {
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        if let embedding = network.embedding {
            tensors["embedding.weight"] = ([embedding.rows, embedding.columns], embedding.values)
        }
        var int8: [String: (shape: [Int], values: [Int8])] = [:]
        func weight(_ name: String, _ matrix: Matrix, _ quantized: QuantizedMatrix?) {
            if let quantized {
                int8[name] = ([quantized.rows, quantized.columns], quantized.values)
                tensors[name + ".scale"] = ([quantized.rows], quantized.scales)
            } else {
                tensors[name] = ([matrix.rows, matrix.columns], matrix.values)
            }
        }
        for (k, layer) in network.layers.enumerated() {
            weight("rnn.weight_ih_l\(k)", layer.inputWeights, network.int8?.layers[k].input)
            weight("rnn.weight_hh_l\(k)", layer.hiddenWeights, network.int8?.layers[k].hidden)
            tensors["rnn.bias_ih_l\(k)"] = ([layer.inputBias.count], layer.inputBias)
            tensors["rnn.bias_hh_l\(k)"] = ([layer.hiddenBias.count], layer.hiddenBias)
        }
        weight("head.weight", network.headWeights, network.int8?.head)
        tensors["head.bias"] = ([network.headBias.count], network.headBias)

        let body = Safetensors.serialize(tensors: tensors, int8: int8, metadata: [:])
        let headerLength = body.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let checksum = Self.sha256(body[(body.startIndex + 8 + headerLength)...])

        var metadata = [
            "format": Self.formatTag, "cell": network.cell.rawValue, "layers": String(network.layerCount),
            "hidden": String(network.hiddenSize), "kind": vocabulary.kind.rawValue,
            "vocab": Self.jsonArray(vocabulary.tokens), "name": name, "description": summary,
            "data_sha256": checksum,
        ]
        metadata["training"] = trainingJSON
        metadata["notes"] = notesJSON
        if network.int8 != nil { metadata["precision"] = "int8" }
        return Safetensors.serialize(tensors: tensors, int8: int8, metadata: metadata)
    }

    /// Writes the model atomically (temporary file, fsync, rename) and returns the
    /// `data_sha256` it recorded.
    @discardableResult
    public mutating func save(to path: String) throws(ModelFileError) -> String {
        let bytes = serialized()
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw ModelFileError(path: path, .unwritable(error.reason))
        }
        let loaded = try RecurModel(contentsOf: path)
        dataSHA256 = loaded.dataSHA256
        fileSize = loaded.fileSize
        self.path = path
        return dataSHA256
    }

    /// Loads and checks the model at `path`: header, offsets, dtypes, metadata, every
    /// tensor's shape, and the checksum. Refuses a bad file with a `ModelFileError`.
    public init(contentsOf path: String) throws(ModelFileError) {
        let file = try Safetensors(contentsOf: path)
        let metadata = try ModelMetadata(file.metadata, path: path)
        let network = try ModelTensors.network(from: file, metadata: metadata, path: path)
        let actual = Self.sha256(file.data)
        guard actual == metadata.dataSHA256 else {
            throw ModelFileError(path: path, .checksumMismatch(expected: metadata.dataSHA256, actual: actual))
        }
        self.network = network
        self.vocabulary = metadata.vocabulary
        self.name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        self.trainedName = metadata.name
        self.summary = metadata.summary
        self.trainingJSON = metadata.trainingJSON
        self.notesJSON = metadata.notesJSON
        self.dataSHA256 = actual
        self.fileSize = file.byteCount
        self.path = path
    }

    static func sha256(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private static func jsonArray(_ strings: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: strings, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
