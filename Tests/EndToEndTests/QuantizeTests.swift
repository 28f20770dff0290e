import Foundation
import Testing

/// `recur quantize` and the int8 model it writes, run as a user runs them: the file,
/// what `models`, `info` and `eval` say of it, samples that depend on neither the batch
/// nor the instruction set, the daemon serving it, and the refusals.
struct QuantizeTests {
    static let float = parityModels + "/lstm-l3-onehot.safetensors"

    @Test func quantizeWritesAnInt8ModelThatEveryCommandTakes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/small-int8.safetensors"
        let corpus = directory + "/corpus.txt"
        try String(repeating: "abcab bca cab\n", count: 40).write(toFile: corpus, atomically: true, encoding: .utf8)
        let quantize = try RecurBinary.run(["quantize", Self.float, "--out", out, "--corpus", corpus, "--json"])
        #expect(quantize.status == 0, "\(quantize.stderr)")
        let report = try RecurBinary.json(quantize)
        let losses = try #require(report["loss_nats"] as? [String: Double])
        #expect(abs(losses["difference"]! - (losses["int8"]! - losses["float32"]!)) < 1e-12)
        #expect(abs(losses["difference"]!) < 0.05, "\(losses)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
        let original = try #require(try FileManager.default.attributesOfItem(atPath: Self.float)[.size] as? Int)
        // A tiny model: the header and the float32 biases weigh as much as the weights.
        #expect(size < original * 2 / 3, "int8 \(size) bytes, float32 \(original)")

        // models and info say int8; eval scores it as it samples.
        let models = try RecurBinary.run(["models", "--models", directory])
        #expect(models.stdout.contains("PRECISION") && models.stdout.contains("int8"), "\(models.stdout)")
        let info = try RecurBinary.json(try RecurBinary.run(["info", out, "--json"]))
        #expect(info["precision"] as? String == "int8")
        let eval = try RecurBinary.json(try RecurBinary.run(["eval", "--model", out, "--corpus", corpus, "--json"]))
        #expect(eval["loss_nats"] as? Double == losses["int8"])
        let bench = try RecurBinary.json(
            try RecurBinary.run(["bench", "--model", out, "--batch", "2", "--length", "8", "--warmup", "0", "--json"]))
        #expect((bench["kernel"] as? String)?.hasPrefix("int8 ") == true, "\(bench)")

        // Sample 1 is the same alone, among 7 and among 64, and with the AVX2 kernel forced.
        var firsts: [Data] = []
        for (count, environment) in [(1, [:]), (7, [:]), (64, [:]), (7, ["RECUR_KERNEL": "avx2"])] as [(Int, [String: String])] {
            let sub = directory + "/c\(count)-\(environment.isEmpty ? "native" : "avx2")"
            let generate = try RecurBinary.run(
                [
                    "generate", "--model", out, "--count", String(count), "--length", "120", "--seed", "77", "--prime", "ab",
                    "--out", sub, "--threads", "2",
                ], environment: environment)
            #expect(generate.status == 0, "\(generate.stderr)")
            firsts.append(try Data(contentsOf: URL(fileURLWithPath: sub + "/sample-001.txt")))
        }
        #expect(Set(firsts).count == 1, "\(firsts.map { String(decoding: $0, as: UTF8.self) })")

        // Refusals: an int8 model again, --out onto the model itself, not .safetensors.
        let again = try RecurBinary.run(["quantize", out, "--out", directory + "/twice.safetensors"])
        #expect(again.status != 0 && again.stderr.contains("already an int8 model"), "\(again.stderr)")
        let onto = try RecurBinary.run(["quantize", Self.float, "--out", Self.float])
        #expect(onto.status != 0 && onto.stderr.contains("the model itself"), "\(onto.stderr)")
        let suffix = try RecurBinary.run(["quantize", Self.float, "--out", directory + "/x.bin"])
        #expect(suffix.status != 0 && suffix.stderr.contains(".safetensors"), "\(suffix.stderr)")
    }

    @Test func theDaemonServesAnInt8ModelByName() throws {
        let fixture = try SpoolFixture()
        let quantize = try RecurBinary.run([
            "quantize", fixture.models + "/lstm-l2-emb5.safetensors", "--out", fixture.models + "/emb5-int8.safetensors",
        ])
        #expect(quantize.status == 0, "\(quantize.stderr)")
        try fixture.submit(#"{"model": "emb5-int8", "count": 3, "length": 40, "seed": 5}"#, id: "q1")
        try fixture.submit(#"{"model": "lstm-l2-emb5", "count": 1, "length": 40, "seed": 5}"#, id: "f1")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0, "\(fixture.log(of: daemon))")
        #expect(Set(fixture.list("done")) == ["q1", "f1"], "\(fixture.log(of: daemon))")
        let result = fixture.json("done/q1/result.json")
        #expect((result["model"] as? [String: Any])?["name"] as? String == "emb5-int8")
        #expect((result["files"] as? [String])?.count == 3)
    }

    @Test func aDamagedInt8FileIsRefusedWithTheReason() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/q.safetensors"
        #expect(try RecurBinary.run(["quantize", Self.float, "--out", out]).status == 0)
        // Put -128 into the first weight byte of the head (I8 tensors are where the header says).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        let headerLength = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) })
        let header = try #require(
            try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let head = try #require(header["head.weight"] as? [String: Any])
        #expect(head["dtype"] as? String == "I8")
        let offsets = try #require(head["data_offsets"] as? [Int])
        bytes[8 + headerLength + offsets[0]] = 0x80
        try bytes.write(to: URL(fileURLWithPath: out))
        let info = try RecurBinary.run(["info", out])
        #expect(info.status != 0)
        #expect(info.stderr.contains(out) && info.stderr.contains("holds -128"), "\(info.stderr)")
        #expect(info.stderr.contains("recur quantize"), "says how to mend it: \(info.stderr)")
    }
}
