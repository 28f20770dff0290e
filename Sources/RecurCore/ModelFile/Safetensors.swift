import Foundation

/// The safetensors container: an 8-byte little-endian header length, a JSON header,
/// then the raw little-endian tensor bytes.
///
/// Parsing trusts nothing: the header length, every offset and every shape are
/// checked against the file before a byte of tensor data is read, as the reference
/// implementation does (no holes, no overlaps, data region fully covered).
public struct Safetensors: Sendable {
    /// Where one tensor lives in the data region.
    public struct TensorInfo: Sendable, Equatable {
        /// The element type, e.g. `F32`.
        public let dtype: String
        /// The dimensions.
        public let shape: [Int]
        /// Byte range inside the data region.
        public let byteRange: Range<Int>
    }

    /// Largest header accepted, as in the reference implementation.
    public static let maximumHeaderSize = 100_000_000

    /// `__metadata__`, string to string.
    public let metadata: [String: String]
    /// The tensors by name.
    public let tensors: [String: TensorInfo]
    /// The tensor byte region (everything after the header).
    public let data: Data
    /// The size of the whole file in bytes.
    public let byteCount: Int

    /// Parses a whole file's bytes; `path` only labels errors.
    public init(bytes: Data, path: String) throws(ModelFileError) {
        func fail(_ reason: ModelFileError.Reason) -> ModelFileError { ModelFileError(path: path, reason) }
        guard bytes.count >= 8 else {
            throw fail(.truncated("\(bytes.count) bytes, but the 8-byte header length alone needs 8"))
        }
        let start = bytes.startIndex
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[start + i]) << (8 * UInt64(i)) }
        guard length <= UInt64(Self.maximumHeaderSize) else {
            throw fail(.badHeader("header length \(length) exceeds the 100 MB limit"))
        }
        guard Int(length) <= bytes.count - 8 else {
            throw fail(.truncated("the header announces \(length) bytes but only \(bytes.count - 8) follow"))
        }
        let headerBytes = bytes[(start + 8)..<(start + 8 + Int(length))]
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw fail(.badHeader("the header is not valid JSON"))
        }
        guard let header = json as? [String: Any] else { throw fail(.badHeader("the header is not a JSON object")) }
        let data = bytes[(start + 8 + Int(length))...]

        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let fields = value as? [String: Any] else {
                    throw fail(.badHeader("__metadata__ must be an object of strings"))
                }
                for (key, field) in fields {
                    guard let text = field as? String else {
                        throw fail(.badMetadata(field: key, "must be a string in __metadata__"))
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors[name] = try Self.tensorInfo(name: name, value: value, dataSize: data.count, path: path)
        }
        try Self.checkCoverage(tensors, dataSize: data.count, path: path)
        self.metadata = metadata
        self.tensors = tensors
        self.data = Data(data)
        self.byteCount = bytes.count
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(ModelFileError) {
        let bytes: Data
        do {
            bytes = try FileReading.read(path, mapped: true)
        } catch {
            throw ModelFileError(path: path, .unreadable(error.reason))
        }
        try self.init(bytes: bytes, path: path)
    }

    /// The float32 values of tensor `name`, copied out of the file.
    public func floats(_ name: String) -> [Float]? {
        guard let info = tensors[name], info.dtype == "F32" else { return nil }
        let count = info.byteRange.count / 4
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                let source = UnsafeRawBufferPointer(rebasing: raw[info.byteRange])
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            }
            initialized = count
        }
    }

    /// The int8 values of tensor `name`, copied out of the file.
    public func int8s(_ name: String) -> [Int8]? {
        guard let info = tensors[name], info.dtype == "I8" else { return nil }
        return data.withUnsafeBytes { raw in
            Array(UnsafeRawBufferPointer(rebasing: raw[info.byteRange]).bindMemory(to: Int8.self))
        }
    }

    /// Serializes float32 (and int8) tensors and metadata. Tensors are laid out sorted by
    /// name, as Python's `safetensors` does for one dtype, so a re-saved PyTorch file
    /// keeps its tensor bytes; the header is padded with spaces to a multiple of 8.
    public static func serialize(
        tensors: [String: (shape: [Int], values: [Float])], int8: [String: (shape: [Int], values: [Int8])] = [:],
        metadata: [String: String]
    ) -> Data {
        var header: [String: Any] = ["__metadata__": metadata]
        var body = Data()
        for name in Set(tensors.keys).union(int8.keys).sorted() {
            let begin = body.count
            let dtype: String, shape: [Int]
            if let tensor = tensors[name] {
                tensor.values.withUnsafeBytes { body.append(contentsOf: $0) }
                (dtype, shape) = ("F32", tensor.shape)
            } else if let tensor = int8[name] {
                tensor.values.withUnsafeBytes { body.append(contentsOf: $0) }
                (dtype, shape) = ("I8", tensor.shape)
            } else {
                continue
            }
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [begin, body.count]] as [String: Any]
        }
        var json =
            (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data(capacity: 8 + json.count + body.count)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        return file
    }

    private static func tensorInfo(name: String, value: Any, dataSize: Int, path: String) throws(ModelFileError) -> TensorInfo {
        func fail(_ why: String) -> ModelFileError { ModelFileError(path: path, .badHeader("tensor '\(name)' \(why)")) }
        guard let entry = value as? [String: Any] else { throw fail("is not an object") }
        guard let dtype = entry["dtype"] as? String else { throw fail("has no string dtype") }
        guard let shapeValues = entry["shape"] as? [Any], let shape = integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("has no shape of non-negative integers")
        }
        guard let offsetValues = entry["data_offsets"] as? [Any], let offsets = integers(offsetValues), offsets.count == 2 else {
            throw fail("has no data_offsets [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else {
            throw ModelFileError(path: path, .badOffsets(tensor: name, "begin \(begin) is after end \(end)"))
        }
        guard end <= dataSize else {
            throw ModelFileError(
                path: path, .truncated("tensor '\(name)' ends at byte \(end) of the data but the data has \(dataSize) bytes"))
        }
        let elementSize = [
            "F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2,
            "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        ][dtype]
        if let elementSize {
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("has an impossible shape \(shape)") }
                elements = product
            }
            guard elements.multipliedReportingOverflow(by: elementSize).partialValue == end - begin else {
                throw ModelFileError(
                    path: path,
                    .badOffsets(
                        tensor: name,
                        "shape \(shape) of \(dtype) needs \(elements * elementSize) bytes but the offsets span \(end - begin)"))
            }
        }
        return TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    private static func checkCoverage(_ tensors: [String: TensorInfo], dataSize: Int, path: String) throws(ModelFileError) {
        var position = 0
        for (name, info) in tensors.sorted(by: {
            ($0.value.byteRange.lowerBound, $0.key) < ($1.value.byteRange.lowerBound, $1.key)
        }) {
            guard info.byteRange.lowerBound == position else {
                let why = info.byteRange.lowerBound < position ? "overlaps the previous tensor" : "leaves a hole before it"
                throw ModelFileError(path: path, .badOffsets(tensor: name, why))
            }
            position = info.byteRange.upperBound
        }
        guard position == dataSize else {
            throw ModelFileError(path: path, .badHeader("\(dataSize - position) bytes after the last tensor belong to no tensor"))
        }
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let integer = value as? Int else { return nil }
            result.append(integer)
        }
        return result
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let message = strerror(Int32(underlying.code))
        {
            return String(cString: message)
        }
        return ns.localizedDescription
    }
}
