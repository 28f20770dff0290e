import Foundation

/// The `__metadata__` of a model file (DESIGN.md §3), parsed and checked.
struct ModelMetadata {
    var cell: CellKind
    var layers: Int
    var hidden: Int
    var vocabulary: Vocabulary
    var name: String?
    var summary: String
    var trainingJSON: String?
    var notesJSON: String?
    var dataSHA256: String
    /// `precision`: "int8" for a model of eight-bit weights (`recur quantize`); absent or
    /// "float32" otherwise.
    var isInt8: Bool

    /// Largest layer count and hidden size accepted; far above anything useful, low
    /// enough that a hostile header cannot ask for terabytes.
    static let maximumLayers = 64
    static let maximumHidden = 1 << 16

    init(_ fields: [String: String], path: String) throws(ModelFileError) {
        func fail(_ field: String, _ why: String) -> ModelFileError {
            ModelFileError(path: path, .badMetadata(field: field, why))
        }
        func required(_ field: String) throws(ModelFileError) -> String {
            guard let value = fields[field] else {
                throw fail(
                    field,
                    "is missing; Recur models carry format, cell, layers, hidden, kind, vocab and data_sha256 in __metadata__")
            }
            return value
        }
        let format = try required("format")
        guard format == RecurModel.formatTag else {
            throw fail("format", "is '\(format)', expected '\(RecurModel.formatTag)'")
        }
        let cellName = try required("cell")
        guard let cell = CellKind(rawValue: cellName) else { throw ModelFileError(path: path, .unknownCell(cellName)) }
        self.cell = cell
        func count(_ field: String, limit: Int) throws(ModelFileError) -> Int {
            let text = try required(field)
            guard let value = Int(text), value >= 1, value <= limit else {
                throw fail(field, "is '\(text)', expected a whole number from 1 to \(limit)")
            }
            return value
        }
        layers = try count("layers", limit: Self.maximumLayers)
        hidden = try count("hidden", limit: Self.maximumHidden)
        let kindName = try required("kind")
        guard let kind = Vocabulary.Kind(rawValue: kindName) else {
            throw fail("kind", "is '\(kindName)', expected 'text' or 'notes'")
        }
        let vocabText = try required("vocab")
        guard let tokens = (try? JSONSerialization.jsonObject(with: Data(vocabText.utf8))) as? [String], !tokens.isEmpty else {
            throw fail("vocab", "must be a non-empty JSON array of strings (token i at index i)")
        }
        guard let vocabulary = Vocabulary(kind: kind, tokens: tokens) else {
            throw fail(
                "vocab",
                kind == .text
                    ? "must hold distinct single characters (Unicode code points) for a text model"
                    : "must hold distinct token names without spaces for a notes model")
        }
        self.vocabulary = vocabulary
        if kind == .notes && vocabulary.id(of: Vocabulary.endOfTune) == nil {
            throw fail("vocab", "of a notes model must contain \(Vocabulary.endOfTune)")
        }
        name = fields["name"]
        summary = fields["description"] ?? ""
        for field in ["training", "notes"] {
            guard let text = fields[field] else { continue }
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any] else {
                throw fail(field, "must be a JSON object")
            }
        }
        trainingJSON = fields["training"]
        notesJSON = fields["notes"]
        let checksum = try required("data_sha256").lowercased()
        guard checksum.count == 64, checksum.allSatisfy(\.isHexDigit) else {
            throw fail("data_sha256", "must be 64 hexadecimal digits (SHA-256 of the tensor bytes)")
        }
        dataSHA256 = checksum
        switch fields["precision"] {
        case nil, "float32": isInt8 = false
        case "int8": isInt8 = true
        case let other?: throw fail("precision", "is '\(other)', expected 'float32' or 'int8'")
        }
    }
}

/// Builds a network from a file's tensors, checking each against the metadata.
enum ModelTensors {
    static func network(from file: Safetensors, metadata: ModelMetadata, path: String) throws(ModelFileError) -> RecurrentNetwork
    {
        var expected: [String] = []
        func tensor(_ name: String, _ shape: [Int]) throws(ModelFileError) -> [Float] {
            expected.append(name)
            guard let info = file.tensors[name] else { throw ModelFileError(path: path, .missingTensor(name)) }
            guard info.dtype == "F32" else { throw ModelFileError(path: path, .wrongDType(tensor: name, dtype: info.dtype)) }
            guard info.shape == shape else {
                throw ModelFileError(path: path, .shapeMismatch(tensor: name, expected: shape, found: info.shape))
            }
            return file.floats(name) ?? []
        }
        let v = metadata.vocabulary.count, h = metadata.hidden, width = metadata.cell.gateCount * h
        var embedding: Matrix?
        if let info = file.tensors["embedding.weight"] {
            let size = info.shape.count == 2 ? info.shape[1] : 0
            guard size >= 1 else {
                throw ModelFileError(
                    path: path, .shapeMismatch(tensor: "embedding.weight", expected: [v, -1], found: info.shape))
            }
            embedding = Matrix(rows: v, columns: size, values: try tensor("embedding.weight", [v, size]))
        }
        // An int8 model's weights: I8 values and an F32 scale per row (`NAME.scale`).
        func quantized(_ name: String, _ rows: Int, _ columns: Int) throws(ModelFileError) -> QuantizedMatrix {
            expected += [name, name + ".scale"]
            guard let info = file.tensors[name] else { throw ModelFileError(path: path, .missingTensor(name)) }
            guard info.dtype == "I8" else {
                throw ModelFileError(path: path, .badQuantization(tensor: name, why: "has dtype \(info.dtype), expected I8"))
            }
            guard info.shape == [rows, columns] else {
                throw ModelFileError(path: path, .shapeMismatch(tensor: name, expected: [rows, columns], found: info.shape))
            }
            let values = file.int8s(name) ?? []
            guard !values.contains(Int8.min) else {
                throw ModelFileError(path: path, .badQuantization(tensor: name, why: "holds -128; values run from -127 to 127"))
            }
            guard let scaleInfo = file.tensors[name + ".scale"] else {
                throw ModelFileError(path: path, .missingTensor(name + ".scale"))
            }
            guard scaleInfo.dtype == "F32", scaleInfo.shape == [rows] else {
                throw ModelFileError(
                    path: path,
                    .badQuantization(
                        tensor: name + ".scale", why: "is \(scaleInfo.dtype) \(scaleInfo.shape), expected F32 [\(rows)]"))
            }
            let scales = file.floats(name + ".scale") ?? []
            guard scales.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw ModelFileError(
                    path: path, .badQuantization(tensor: name + ".scale", why: "holds a negative or non-finite scale"))
            }
            return QuantizedMatrix(rows: rows, columns: columns, values: values, scales: scales)
        }
        var layers: [RecurrentLayer] = []
        var int8Layers: [Int8Weights.Layer] = []
        for k in 0..<metadata.layers {
            let input = k > 0 ? h : embedding?.columns ?? v
            let ih = "rnn.weight_ih_l\(k)", hh = "rnn.weight_hh_l\(k)"
            var inputWeights = Matrix(rows: width, columns: input), hiddenWeights = Matrix(rows: width, columns: h)
            if metadata.isInt8 {
                let pair = Int8Weights.Layer(input: try quantized(ih, width, input), hidden: try quantized(hh, width, h))
                if k > 0 && metadata.cell != .gru && pair.input.scales != pair.hidden.scales {
                    throw ModelFileError(
                        path: path,
                        .badQuantization(
                            tensor: ih + ".scale", why: "differs from \(hh).scale; above the first layer they are shared"))
                }
                int8Layers.append(pair)
            } else {
                inputWeights = Matrix(rows: width, columns: input, values: try tensor(ih, [width, input]))
                hiddenWeights = Matrix(rows: width, columns: h, values: try tensor(hh, [width, h]))
            }
            layers.append(
                RecurrentLayer(
                    kind: metadata.cell, inputWeights: inputWeights, hiddenWeights: hiddenWeights,
                    inputBias: try tensor("rnn.bias_ih_l\(k)", [width]),
                    hiddenBias: try tensor("rnn.bias_hh_l\(k)", [width])))
        }
        let int8Head = metadata.isInt8 ? try quantized("head.weight", v, h) : nil
        let head =
            int8Head == nil
            ? Matrix(rows: v, columns: h, values: try tensor("head.weight", [v, h])) : Matrix(rows: v, columns: h)
        let bias = try tensor("head.bias", [v])
        if let extra = file.tensors.keys.filter({ !expected.contains($0) }).sorted().first {
            throw ModelFileError(path: path, .unexpectedTensor(extra))
        }
        var network = RecurrentNetwork(
            cell: metadata.cell, embedding: embedding, layers: layers, headWeights: head, headBias: bias)
        if let int8Head { network.adoptInt8(Int8Weights(layers: int8Layers, head: int8Head)) }
        return network
    }
}
