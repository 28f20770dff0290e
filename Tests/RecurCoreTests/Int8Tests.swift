import CRecurInt8
import Foundation
import Testing

@testable import RecurCore

/// Eight-bit models: the kernels against integer arithmetic done here, the quantization's
/// error bound, the file round trip, and samples that do not depend on the batch.
struct Int8Tests {
    /// A deterministic generator for the random shapes and values.
    struct Random {
        var base: TestRandom
        init(state: UInt64) { base = TestRandom(seed: state) }
        mutating func unit() -> Float { Float(base.next() >> 40) / Float(1 << 24) * 2 - 1 }
        mutating func int8() -> Int8 { Int8(Int(base.next() % 255) - 127) }
    }

    /// `y = bias + float(Σ q·w) · (xScale · wScale)`, the documented scheme, computed with
    /// Swift integers from the quantized rows.
    func expected(
        values: [Int8], scales: [Float], bias: [Float], outputs: Int, inner: Int, x: [Float], rows: Int
    ) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            let row = Array(x[(r * inner)..<((r + 1) * inner)])
            let largest = row.reduce(Float(0)) { max($0, abs($1)) }
            let inverse = largest > 0 ? 127 / largest : 0
            let q = row.map { Int32(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }
            let xScale = largest > 0 ? largest / 127 : 0
            for n in 0..<outputs {
                var acc: Int32 = 0
                for k in 0..<inner { acc += q[k] * Int32(values[n * inner + k]) }
                let scale = xScale * scales[n]
                let product = Float(acc) * scale
                y[r * outputs + n] = product + bias[n]
            }
        }
        return y
    }

    @Test("every int8 kernel equals integer arithmetic exactly, on odd shapes and tails")
    func kernelsAreExact() {
        var random = Random(state: 11)
        for (outputs, inner, rows) in [
            (1, 1, 1), (16, 4, 1), (17, 5, 2), (50, 3, 3), (64, 64, 4), (100, 130, 5), (257, 17, 7), (33, 512, 9),
            (40, 70, 130),  // many rows: the AVX2 kernel widens each panel once
            (20, 1030, 11),  // K past two blocks of 512 with a tail: sums carried between blocks
        ] {
            let values = (0..<(outputs * inner)).map { _ in random.int8() }
            let scales = (0..<outputs).map { _ in abs(random.unit()) / 100 }
            let bias = (0..<outputs).map { _ in random.unit() }
            let x = (0..<(rows * inner)).map { _ in random.unit() * 3 }
            let want = expected(
                values: values, scales: scales, bias: bias, outputs: outputs, inner: inner, x: x, rows: rows)
            let panels = Int8Panels(values: values, scales: scales, bias: bias, outputs: outputs, inner: inner)
            for variant in Int8KernelVariant.available {
                for split in Set([0, inner / 2, inner]) {
                    // Rows [left | right] read in place: left holds `split` columns, right the rest.
                    let left = (0..<rows).flatMap { r in x[(r * inner)..<(r * inner + split)] + [9, 9] }
                    let right = (0..<rows).flatMap { r in x[(r * inner + split)..<((r + 1) * inner)] + [7] }
                    var y = [Float](repeating: .nan, count: rows * (outputs + 3))
                    for threads in [1, 2] {
                        left.withUnsafeBufferPointer { l in
                            right.withUnsafeBufferPointer { rr in
                                y.withUnsafeMutableBufferPointer { out in
                                    panels.multiply(
                                        left: l.baseAddress!, columns: split, stride: split + 2, right: rr.baseAddress!,
                                        stride: inner - split + 1, rows: rows, into: out.baseAddress!,
                                        outputStride: outputs + 3, threads: threads, variant: variant)
                                }
                            }
                        }
                        let got = (0..<rows).flatMap { r in y[(r * (outputs + 3))..<(r * (outputs + 3) + outputs)] }
                        #expect(
                            got.map(\.bitPattern) == want.map(\.bitPattern),
                            "\(variant) N \(outputs) K \(inner) rows \(rows) split \(split) threads \(threads)")
                    }
                }
            }
        }
    }

    @Test("the VNNI kernel is used where the CPU has it")
    func vnniIsChosenWhereAvailable() {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        #if arch(x86_64)
        let vnni = cpuinfo.contains(" avx512_vnni") && cpuinfo.contains(" avx512bw ") && cpuinfo.contains(" avx512vl ")
        #expect(Int8KernelVariant.available.contains(.avx512vnni) == vnni)
        if vnni && ProcessInfo.processInfo.environment["RECUR_KERNEL"] == nil {
            #expect(Int8KernelVariant.selected == .avx512vnni)
        }
        #endif
    }

    @Test("quantizing errs by at most half a step, and joined matrices share each row's scale")
    func quantizationErrorBound() {
        var random = Random(state: 3)
        let a = Matrix(rows: 9, columns: 13, values: (0..<117).map { _ in random.unit() })
        let b = Matrix(rows: 9, columns: 5, values: (0..<45).map { _ in random.unit() * 4 })
        var withZeroRow = a
        for k in 0..<13 { withZeroRow[2, k] = 0 }
        let single = QuantizedMatrix(quantizing: withZeroRow)
        #expect(single.scales[2] == 0 && single.dequantized.row(2).allSatisfy { $0 == 0 })
        let joined = QuantizedMatrix.quantizing(joined: [a, b])
        #expect(joined[0].scales == joined[1].scales)
        for (original, quantized) in zip([a, b], joined) {
            let back = quantized.dequantized
            for n in 0..<9 {
                let largest = max(a.row(n).map(abs).max()!, b.row(n).map(abs).max()!)
                #expect(quantized.scales[n] == largest / 127)
                for k in 0..<original.columns {
                    #expect(abs(back[n, k] - original[n, k]) <= quantized.scales[n] / 2 * 1.0001)
                }
                #expect(quantized.values.allSatisfy { $0 >= -127 })
            }
        }
    }

    @Test("an int8 model file loads back as written; a float32 one has no int8 weights")
    func fileRoundTrip() throws {
        for cell in CellKind.allCases {
            let model = SamplingEngineTests.mediumModel(cell: cell, embedding: cell == .lstm ? 6 : nil)
            #expect(model.network.int8 == nil)
            var quantized = RecurModel(
                network: model.network.quantized(), vocabulary: model.vocabulary, name: "q-\(cell.rawValue)")
            let path = NSTemporaryDirectory() + "recur-int8-\(UUID().uuidString).safetensors"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try quantized.save(to: path)
            let loaded = try RecurModel(contentsOf: path)
            #expect(loaded.network.int8 == quantized.network.int8)
            #expect(loaded.network == quantized.network)
            let file = try Safetensors(contentsOf: path)
            #expect(file.metadata["precision"] == "int8")
            #expect(file.tensors["rnn.weight_hh_l0"]?.dtype == "I8")
            #expect(file.tensors["head.weight.scale"]?.dtype == "F32")
            #expect(file.tensors["rnn.bias_ih_l0"]?.dtype == "F32")
            // About a quarter of the float32 file's tensor bytes (biases, scales stay float32).
            #expect(file.data.count < model.network.parameterCount * 4 / 3)
        }
    }

    @Test("sample 1 of an int8 model is byte-identical with 1, 7 or 64 samples, on 1 or 2 threads", arguments: CellKind.allCases)
    func batchInvariance(cell: CellKind) throws {
        let float = SamplingEngineTests.mediumModel(cell: cell, embedding: cell == .gru ? 9 : nil)
        let model = RecurModel(network: float.network.quantized(), vocabulary: float.vocabulary, name: "q")
        let first = try SamplingEngineTests().firstSamples(model)
        #expect(Set(first).count == 1, "sample 1 differed: \(first)")
        #expect(first[0].count == 62)
    }

    @Test("an int8 model's step stays close to its float32 original")
    func int8StepIsCloseToFloat() {
        let float = SamplingEngineTests.mediumModel(cell: .lstm)
        var a = StepBatch(weights: InferenceWeights(float.network), threads: 1)
        var b = StepBatch(weights: InferenceWeights(float.network.quantized()), threads: 1)
        #expect(b.weights.isInt8 && !a.weights.isInt8)
        _ = a.appendRow()
        _ = b.appendRow()
        var worst: Float = 0
        for token in [1, 5, 9, 2, 30, 7, 7, 12] {
            a.step(tokens: [token])
            b.step(tokens: [token])
            worst = max(worst, zip(a.logits, b.logits).map { abs($0 - $1) }.max()!)
        }
        #expect(worst > 0 && worst < 0.05, "largest logit difference \(worst)")
    }
}
