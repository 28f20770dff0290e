import Foundation
import Testing

@testable import RecurCore

/// Every malformed model file is refused with an error that names the file and the
/// problem; none crashes the loader.
struct HostileModelFileTests {
    /// A valid model file's parts, ready to be damaged.
    struct Parts {
        var header: [String: Any]
        var metadata: [String: String]
        var data: Data

        init() throws {
            let model = RecurModel(
                network: randomNetwork(cell: .lstm, vocabulary: 4, hidden: 3, layers: 2),
                vocabulary: Vocabulary(kind: .text, tokens: ["a", "b", "c", "\n"])!, name: "tiny")
            let bytes = model.serialized()
            let file = try Safetensors(bytes: bytes, path: "tiny")
            let length = Int(
                bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            header = try JSONSerialization.jsonObject(with: bytes[8..<(8 + length)]) as! [String: Any]
            metadata = file.metadata
            data = file.data
        }

        func bytes() -> Data {
            var header = self.header
            header["__metadata__"] = metadata
            return assemble(try! JSONSerialization.data(withJSONObject: header), data)
        }
    }

    static func assemble(_ header: Data, _ data: Data) -> Data {
        var file = Data()
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        return file + header + data
    }

    func load(_ bytes: Data) throws -> ModelFileError.Reason? {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bad.safetensors"
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try RecurModel(contentsOf: path)
            return nil
        } catch {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path + ": "))
            return error.reason
        }
    }

    @Test func theUndamagedFileLoads() throws {
        #expect(try load(Parts().bytes()) == nil)
    }

    @Test func emptyAndTinyFilesAreTruncated() throws {
        for size in [0, 1, 7] {
            guard case .truncated = try load(Data(repeating: 0, count: size)) else {
                Issue.record("size \(size)")
                continue
            }
        }
    }

    @Test func aHeaderLongerThanTheFileIsTruncated() throws {
        var bytes = try Parts().bytes()
        bytes[0] = 0xFF
        bytes[1] = 0xFF
        bytes[2] = 0x0F
        guard case .truncated = try load(bytes) else {
            Issue.record("expected truncated")
            return
        }
    }

    @Test func anAbsurdHeaderLengthIsRefused() throws {
        var bytes = try Parts().bytes()
        for i in 0..<8 { bytes[i] = 0xFF }
        guard case .badHeader = try load(bytes) else {
            Issue.record("expected badHeader")
            return
        }
    }

    @Test func aFileCutInsideTheTensorDataIsTruncated() throws {
        let bytes = try Parts().bytes()
        guard case .truncated = try load(bytes.prefix(bytes.count - 10)) else {
            Issue.record("expected truncated")
            return
        }
    }

    @Test(arguments: ["not json at all", "[1, 2, 3]", "\"a string\"", "{\"a\": ", "\u{FF}\u{FE}"])
    func aHeaderThatIsNotAJSONObjectIsRefused(header: String) throws {
        guard case .badHeader = try load(Self.assemble(Data(header.utf8), Data())) else {
            Issue.record("header \(header)")
            return
        }
    }

    @Test func deeplyNestedJSONIsRefusedWithoutCrashing() throws {
        let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        guard case .badHeader = try load(Self.assemble(Data("{\"x\": \(nested)}".utf8), Data())) else {
            Issue.record("expected badHeader")
            return
        }
    }

    @Test func binaryJunkIsRefused() throws {
        var generator = TestRandom(seed: 9)
        let junk = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(try load(junk) != nil)
    }

    @Test func aFloat16TensorIsAWrongDType() throws {
        var parts = try Parts()
        var entry = parts.header["head.bias"] as! [String: Any]
        entry["dtype"] = "F16"
        entry["shape"] = [8]
        parts.header["head.bias"] = entry
        #expect(try load(parts.bytes()) == .wrongDType(tensor: "head.bias", dtype: "F16"))
    }

    @Test func aTransposedHeadIsAShapeMismatch() throws {
        var parts = try Parts()
        var entry = parts.header["head.weight"] as! [String: Any]
        entry["shape"] = [3, 4]
        parts.header["head.weight"] = entry
        #expect(try load(parts.bytes()) == .shapeMismatch(tensor: "head.weight", expected: [4, 3], found: [3, 4]))
    }

    @Test func aHiddenSizeThatDisagreesWithTheTensorsIsAShapeMismatch() throws {
        var parts = try Parts()
        parts.metadata["hidden"] = "5"
        guard case .shapeMismatch = try load(parts.bytes()) else {
            Issue.record("expected shapeMismatch")
            return
        }
    }

    @Test func offsetsWithAHoleOrAnOverlapAreRefused() throws {
        var parts = try Parts()
        // head.bias comes first (bytes 0..<16); point head.weight (48 bytes) at it too.
        var entry = parts.header["head.weight"] as! [String: Any]
        entry["data_offsets"] = [0, 48]
        parts.header["head.weight"] = entry
        guard case .badOffsets = try load(parts.bytes()) else {
            Issue.record("expected badOffsets")
            return
        }
    }

    @Test func offsetsPastTheEndAreTruncated() throws {
        var parts = try Parts()
        var entry = parts.header["head.bias"] as! [String: Any]
        entry["data_offsets"] = [parts.data.count, parts.data.count + 16]
        parts.header["head.bias"] = entry
        guard case .truncated = try load(parts.bytes()) else {
            Issue.record("expected truncated")
            return
        }
    }

    @Test func offsetsThatDisagreeWithTheShapeAreRefused() throws {
        var parts = try Parts()
        var entry = parts.header["head.bias"] as! [String: Any]
        entry["shape"] = [1_000_000_000, 1_000_000_000, 1_000_000_000]
        parts.header["head.bias"] = entry
        #expect(try load(parts.bytes()) != nil)
    }

    @Test func aMissingTensorIsNamed() throws {
        let model = try RecurModel(contentsOf: fixture("parity/lstm-l1-onehot.safetensors"))
        let file = try Safetensors(contentsOf: fixture("parity/lstm-l1-onehot.safetensors"))
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for (name, info) in file.tensors where name != "rnn.bias_hh_l0" { tensors[name] = (info.shape, file.floats(name)!) }
        _ = model
        #expect(try load(Safetensors.serialize(tensors: tensors, metadata: file.metadata)) == .missingTensor("rnn.bias_hh_l0"))
    }

    @Test func anExtraLayerIsAnUnexpectedTensor() throws {
        let file = try Safetensors(contentsOf: fixture("parity/rnn-l1-onehot.safetensors"))
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for (name, info) in file.tensors { tensors[name] = (info.shape, file.floats(name)!) }
        tensors["rnn.weight_ih_l1"] = ([7, 7], [Float](repeating: 0, count: 49))
        #expect(
            try load(Safetensors.serialize(tensors: tensors, metadata: file.metadata)) == .unexpectedTensor("rnn.weight_ih_l1"))
    }

    @Test func oneFlippedBitIsAChecksumMismatch() throws {
        var parts = try Parts()
        parts.data[parts.data.startIndex + 17] ^= 0x01
        guard case .checksumMismatch = try load(parts.bytes()) else {
            Issue.record("expected checksumMismatch")
            return
        }
    }

    @Test func anUnknownCellIsNamed() throws {
        var parts = try Parts()
        parts.metadata["cell"] = "transformer"
        #expect(try load(parts.bytes()) == .unknownCell("transformer"))
    }

    @Test(
        arguments: [
            ("format", nil), ("format", "recur.model/9"), ("layers", "0"), ("layers", "two"), ("layers", "100000"),
            ("hidden", "-3"), ("kind", "images"), ("vocab", "abc"), ("vocab", "[]"), ("vocab", "[\"a\", \"a\", \"b\", \"c\"]"),
            ("vocab", "[\"ab\", \"b\", \"c\", \"d\"]"), ("data_sha256", "xyz"), ("data_sha256", nil), ("training", "[1]"),
            ("cell", nil),
        ] as [(String, String?)])
    func badMetadataIsNamed(field: String, value: String?) throws {
        var parts = try Parts()
        parts.metadata[field] = value
        let reason = try load(parts.bytes())
        switch reason {
        case .badMetadata(let named, _): #expect(named == field)
        default: Issue.record("\(field)=\(value ?? "nil") gave \(String(describing: reason))")
        }
    }

    @Test func aNonStringMetadataValueIsRefused() throws {
        var parts = try Parts()
        var header = parts.header
        header["__metadata__"] = ["format": 1]
        parts.header = header
        let bytes = Self.assemble(try JSONSerialization.data(withJSONObject: header), parts.data)
        guard case .badMetadata = try load(bytes) else {
            Issue.record("expected badMetadata")
            return
        }
    }

    @Test func aNotesModelWithoutEndOfTuneIsRefused() throws {
        var parts = try Parts()
        parts.metadata["kind"] = "notes"
        parts.metadata["vocab"] = "[\"n60\", \"n62\", \"-\", \"r\"]"
        guard case .badMetadata(field: "vocab", _) = try load(parts.bytes()) else {
            Issue.record("expected vocab error")
            return
        }
    }

    @Test func aDirectoryOrAMissingPathIsUnreadable() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for path in [directory, directory + "/missing.safetensors"] {
            #expect(throws: ModelFileError.self) { try RecurModel(contentsOf: path) }
            do { _ = try RecurModel(contentsOf: path) } catch {
                guard case .unreadable = error.reason else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(error.description.contains(path))
            }
        }
    }
}
