/// Why a model file was refused. Every failure names the file and says what to fix.
public struct ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The specific problem.
    public enum Reason: Sendable, Equatable {
        /// The file could not be read (missing, permissions, a directory …).
        case unreadable(String)
        /// The file ends before the header or tensor data it announces.
        case truncated(String)
        /// The header is not the JSON safetensors requires.
        case badHeader(String)
        /// A tensor's offsets point outside the data, overlap or leave holes.
        case badOffsets(tensor: String, String)
        /// A tensor is not float32.
        case wrongDType(tensor: String, dtype: String)
        /// An eight-bit model's weight or scale is not as `recur quantize` writes it.
        case badQuantization(tensor: String, why: String)
        /// A tensor's shape disagrees with the model's metadata.
        case shapeMismatch(tensor: String, expected: [Int], found: [Int])
        /// A tensor the metadata requires is absent.
        case missingTensor(String)
        /// A tensor the metadata does not explain is present.
        case unexpectedTensor(String)
        /// `data_sha256` does not match the tensor bytes.
        case checksumMismatch(expected: String, actual: String)
        /// `cell` is not lstm, gru or rnn.
        case unknownCell(String)
        /// A metadata field is missing or malformed.
        case badMetadata(field: String, String)
        /// The file could not be written.
        case unwritable(String)
    }

    /// The model file.
    public let path: String
    /// What is wrong with it.
    public let reason: Reason

    /// Creates an error for `path`.
    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(message)" }

    /// The problem and the fix, without the path.
    public var message: String {
        switch reason {
        case .unreadable(let why):
            return "cannot read the model file (\(why)); check the path and its permissions"
        case .truncated(let why):
            return "the file is truncated: \(why); copy or download it again"
        case .badHeader(let why):
            return "not a valid safetensors file: \(why)"
        case .badOffsets(let tensor, let why):
            return "tensor '\(tensor)' has bad data_offsets: \(why); the file is corrupt"
        case .wrongDType(let tensor, let dtype):
            return "tensor '\(tensor)' has dtype \(dtype), but Recur models are float32 (F32); "
                + "convert with `{k: v.float() for k, v in state_dict().items()}` before saving"
        case .badQuantization(let tensor, let why):
            return "tensor '\(tensor)' of this int8 model \(why); quantize the float32 model again with `recur quantize`"
        case .shapeMismatch(let tensor, let expected, let found):
            return "tensor '\(tensor)' has shape \(found), but the metadata (cell, layers, hidden, vocab) "
                + "requires \(expected)"
        case .missingTensor(let tensor):
            return "tensor '\(tensor)' is missing; a model needs rnn.weight_ih_l{k}, rnn.weight_hh_l{k}, "
                + "rnn.bias_ih_l{k}, rnn.bias_hh_l{k} per layer, head.weight and head.bias"
        case .unexpectedTensor(let tensor):
            return "tensor '\(tensor)' does not belong to the model the metadata describes "
                + "(check `layers` and the tensor names)"
        case .checksumMismatch(let expected, let actual):
            return "checksum mismatch: data_sha256 says \(expected) but the tensor bytes hash to \(actual); "
                + "the file is corrupt or was edited"
        case .unknownCell(let cell):
            return "unknown cell '\(cell)'; the metadata field `cell` must be lstm, gru or rnn"
        case .badMetadata(let field, let why):
            return "metadata field '\(field)' \(why)"
        case .unwritable(let why):
            return "cannot write the model file (\(why))"
        }
    }
}
