import Foundation
import RecurKernels
import Synchronization
import Testing

@testable import RecurCore

struct KernelTests {
    @Test func softmaxIsStableForHugeLogitsAndSumsToOne() {
        let p = Activations.softmax([1000, 1001, 1002])
        #expect(p.allSatisfy { $0.isFinite })
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)
        #expect(abs(p[2] - 0.665241) < 1e-5)
        let low = Activations.softmax([-1000, -1000])
        #expect(low == [0.5, 0.5])
    }

    @Test func softmaxTemperatureSharpensAndFlattens() {
        let logits: [Float] = [1, 2, 3]
        #expect(Activations.softmax(logits, temperature: 0.1)[2] > 0.9999)
        let flat = Activations.softmax(logits, temperature: 1000)
        #expect(flat.allSatisfy { abs($0 - 1.0 / 3) < 1e-3 })
    }

    @Test func logSoftmaxAgreesWithLogOfSoftmax() {
        let logits: [Float] = [-3, 0.5, 2, 7, -20]
        let direct = Activations.logSoftmax(logits)
        let viaSoftmax = Activations.softmax(logits).map { log($0) }
        for (a, b) in zip(direct, viaSoftmax) { #expect(abs(a - b) < 1e-5) }
        #expect(Activations.logSoftmax([1e30, 0])[0] == 0)
    }

    @Test func sigmoidSaturatesWithoutOverflow() {
        #expect(Activations.sigmoid(0) == 0.5)
        #expect(Activations.sigmoid(-1000) == 0)
        #expect(Activations.sigmoid(1000) == 1)
        #expect(abs(Activations.sigmoid(2) - 0.880797) < 1e-6)
        #expect(abs(Activations.sigmoid(-2) - 0.119203) < 1e-6)
    }

    @Test(arguments: [(1, 5, 3), (4, 7, 9), (33, 16, 65)])
    func blasProductMatchesTheDefinition(m: Int, k: Int, n: Int) {
        var generator = TestRandom(seed: UInt64(m * 100 + n))
        let a = Matrix(rows: m, columns: k, values: (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) })
        let w = Matrix(rows: n, columns: k, values: (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &generator) })
        var c = Matrix(rows: m, columns: n, repeating: 2)
        gemm(a, w, into: &c, beta: 1)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 2
                for t in 0..<k { sum += Double(a[i, t]) * Double(w[j, t]) }
                #expect(abs(Double(c[i, j]) - sum) < 1e-5)
            }
        }
    }

    @Test func transposeSwapsRowsAndColumns() {
        let m = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m.transposed() == Matrix(rows: 3, columns: 2, values: [1, 4, 2, 5, 3, 6]))
    }
}

struct VocabularyTests {
    @Test func textTokensAreUnicodeScalars() throws {
        let vocabulary = try #require(Vocabulary(kind: .text, tokens: ["\r", "\n", "e", "\u{301}", "a"]))
        // "é" written as e + combining acute is two tokens; "\r\n" is two tokens.
        let encoding = vocabulary.encode("e\u{301}a\r\nzz")
        #expect(encoding.ids == [2, 3, 4, 0, 1])
        #expect(encoding.unknownCount == 2)
        #expect(encoding.unknownExamples == ["z"])
        #expect(vocabulary.decode(encoding.ids) == "e\u{301}a\r\n")
    }

    @Test func notesCorpusHasOneTunePerLineBetweenEndMarks() throws {
        let vocabulary = try #require(Vocabulary(kind: .notes, tokens: ["<eos>", "n60", "-", "r"]))
        let encoding = vocabulary.encode("n60 - r\n\n n60 n61 <eos>\n")
        #expect(encoding.ids == [0, 1, 2, 3, 0, 1, 0])
        #expect(encoding.unknownCount == 1)
        #expect(vocabulary.decode([1, 2]) == "n60 -")
    }

    @Test func duplicateOrMultiCharacterTokensAreRefused() {
        #expect(Vocabulary(kind: .text, tokens: ["a", "a"]) == nil)
        #expect(Vocabulary(kind: .text, tokens: ["ab"]) == nil)
        #expect(Vocabulary(kind: .notes, tokens: ["n 60"]) == nil)
    }
}

struct AtomicFileTests {
    @Test func writesCompletelyAndLeavesNoTemporaryFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.bin"
        try AtomicFile.write(Data("old".utf8), to: path)
        try AtomicFile.write(Data(repeating: 7, count: 100_000), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 7, count: 100_000))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.bin"])
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        #expect(throws: FileWriteError.self) { try AtomicFile.write(Data(), to: "/nonexistent-dir/x") }
        do { try AtomicFile.write(Data(), to: "/nonexistent-dir/x") } catch {
            #expect(error.description.contains("/nonexistent-dir/x"))
            #expect(error.description.contains("No such file"))
        }
    }
}

struct PackedMatrixTests {
    static func random(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var generator = TestRandom(seed: seed)
        return Matrix(
            rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    func product(_ packed: PackedMatrix, _ x: Matrix, threads: Int, variant: PanelKernelVariant = .selected) -> Matrix {
        var y = Matrix(rows: x.rows, columns: packed.outputs)
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeMutableBufferPointer { yp in
                packed.multiply(
                    xp.baseAddress!, rows: x.rows, into: yp.baseAddress!, outputStride: packed.outputs, threads: threads,
                    variant: variant)
            }
        }
        return y
    }

    /// Each output as one Float FMA chain, k ascending, from the bias: what every kernel
    /// variant must reproduce bit for bit.
    static func chain(_ w: Matrix, _ x: Matrix, bias: [Float], row r: Int, output n: Int) -> Float {
        var sum = bias[n]
        for k in 0..<x.columns { sum = sum.addingProduct(x[r, k], w[n, k]) }
        return sum
    }

    // K = 600 crosses the K blocks (64 and 256 wide); N = 37 leaves a partial panel and
    // N = 150 panels for the four-panel groups and a leftover; 13 rows use full and
    // padded row groups; 1 row uses the single-row kernels. Every variant the machine
    // runs must give exactly the FMA chain of the definition.
    @Test(arguments: PanelKernelVariant.available)
    func matchesTheDefinitionExactly(variant: PanelKernelVariant) {
        for (outputs, rows) in [(37, 13), (37, 1), (150, 13), (150, 2), (150, 1)] {
            let w = Self.random(rows: outputs, columns: 600, seed: 1), x = Self.random(rows: rows, columns: 600, seed: 2)
            let bias = (0..<outputs).map { Float($0) / 10 }
            for threads in [1, 2] {
                let y = product(PackedMatrix(w, bias: bias), x, threads: threads, variant: variant)
                var mismatches = 0
                for r in 0..<rows {
                    for n in 0..<outputs where y[r, n] != Self.chain(w, x, bias: bias, row: r, output: n) { mismatches += 1 }
                }
                #expect(mismatches == 0, "\(variant.name): N \(outputs), rows \(rows), threads \(threads)")
            }
        }
    }

    @Test func theAVX512KernelIsUsedWhereTheCPUHasIt() {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        #if arch(x86_64)
        let hasAVX512 = flags.contains(" avx512f ") && flags.contains(" avx512bw ") && flags.contains(" avx512vl ")
        #expect(PanelKernelVariant.available.contains(.avx512) == hasAVX512)
        if hasAVX512 && ProcessInfo.processInfo.environment["RECUR_KERNEL"] == nil {
            #expect(PanelKernelVariant.selected == .avx512)
        }
        #endif
    }

    @Test("the spinning helper runs both halves every time, and busy callers fall back")
    func spinningHelperRunsBothHalves() {
        // A helper of its own: products in tests running at the same time use `shared`.
        let helper = SpinningHelper()
        let counter = Atomic<Int>(0)
        var here = 0, taken = 0
        for round in 0..<20_000 {
            if round % 5_000 == 0 { usleep(2_000) }  // let the helper fall asleep now and then
            if helper.run({ here += 1 }, { counter.add(1, ordering: .relaxed) }) { taken += 1 }
        }
        #expect(taken == 20_000 && here == taken && counter.load(ordering: .relaxed) == taken)
        // A caller that finds the helper in use runs neither half and falls back.
        var nested: Bool?
        let outer = helper.run(
            { nested = helper.run({ Issue.record("ran a half while busy") }, { fatalError("ran while busy") }) }, {})
        #expect(outer && nested == false)
        // Products from several threads at once: the helper serves one, Dispatch the rest,
        // and every result is the single-thread one.
        let w = Self.random(rows: 64, columns: 200, seed: 11), packed = PackedMatrix(w)
        let x = Self.random(rows: 40, columns: 200, seed: 12)
        let reference = product(packed, x, threads: 1)
        let results = Mutex([Matrix?](repeating: nil, count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let y = product(packed, x, threads: 2)
            results.withLock { $0[i] = y }
        }
        #expect(results.withLock { $0.allSatisfy { $0 == reference } })
    }

    @Test("a product split in two by outputs equals OpenBLAS's whole product", arguments: [1, 37])
    func splitProductEqualsTheWholeProduct(rows: Int) {
        let w = Self.random(rows: 300, columns: 256, seed: 21), x = Self.random(rows: rows, columns: 256, seed: 22)
        let c0 = Self.random(rows: rows, columns: 300, seed: 23)
        var whole = c0, split = c0
        x.values.withUnsafeBufferPointer { a in
            w.values.withUnsafeBufferPointer { b in
                whole.values.withUnsafeMutableBufferPointer { c in
                    BLAS.multiplyTransposed(
                        a.baseAddress!, rows: rows, inner: 256, by: b.baseAddress!, outputs: 300, into: c.baseAddress!, beta: 1)
                }
                split.values.withUnsafeMutableBufferPointer { c in
                    SplitProduct.multiplyTransposed(
                        a.baseAddress!, rows: rows, inner: 256, by: b.baseAddress!, outputs: 300,
                        into: c.baseAddress!, beta: 1, threads: 2)
                }
            }
        }
        #expect(zip(whole.values, split.values).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
    }

    @Test("rows read from two inputs give the bits of the joined rows")
    func readsJoinedRowsInPlace() {
        let w = Self.random(rows: 150, columns: 600, seed: 5), packed = PackedMatrix(w)
        let x = Self.random(rows: 13, columns: 600, seed: 6)
        for variant in PanelKernelVariant.available {
            for (split, rows) in [(300, 13), (37, 13), (37, 2), (300, 1), (0, 3), (600, 3)] {
                let input = Matrix(rows: rows, columns: 600, values: Array(x.values.prefix(rows * 600)))
                let left = (0..<rows).flatMap { input.row($0)[..<split] }, right = (0..<rows).flatMap { input.row($0)[split...] }
                for threads in [1, 2] {
                    var y = Matrix(rows: rows, columns: 150)
                    left.withUnsafeBufferPointer { l in
                        right.withUnsafeBufferPointer { r in
                            y.values.withUnsafeMutableBufferPointer { yp in
                                // An empty side still needs a valid pointer; it is never read.
                                packed.multiply(
                                    left: l.baseAddress ?? r.baseAddress!, columns: split, stride: split,
                                    right: r.baseAddress ?? l.baseAddress!, stride: 600 - split, rows: rows,
                                    into: yp.baseAddress!, outputStride: 150, threads: threads, variant: variant)
                            }
                        }
                    }
                    #expect(
                        y == product(packed, input, threads: threads, variant: variant),
                        "\(variant.name): left \(split) columns, rows \(rows), threads \(threads)")
                }
            }
        }
    }

    @Test("a row's result is bit-identical whatever the batch size and thread count")
    func isBatchInvariant() {
        let w = Self.random(rows: 200, columns: 600, seed: 3)
        let packed = PackedMatrix(concatenating: [
            Matrix(rows: 200, columns: 300, values: Array(w.values.prefix(60_000))),
            Matrix(rows: 200, columns: 300, values: Array(w.values.suffix(60_000))),
        ])
        let x = Self.random(rows: 70, columns: 600, seed: 4)
        let reference = product(packed, Matrix(rows: 1, columns: 600, values: x.row(5)), threads: 1).values
        for variant in PanelKernelVariant.available {
            for rows in [6, 7, 8, 12, 13, 64, 70] {
                for threads in [1, 2, 3] {
                    let input = Matrix(rows: rows, columns: 600, values: Array(x.values.prefix(rows * 600)))
                    let y = product(packed, input, threads: threads, variant: variant)
                    #expect(y.row(5) == reference, "\(variant.name), rows \(rows), threads \(threads)")
                }
            }
        }
    }
}

struct LaneMathTests {
    /// Every kernel build's cells, forward, training and backward, on rows of 37 (so
    /// that vectors end part-way), must give the eight-lane build's bits. Without AVX-512
    /// there is one build, and nothing to compare: the test reports itself skipped.
    @Test(.enabled(if: PanelKernelVariant.available.contains(.avx512), "the CPU has no AVX-512: one cell build only"))
    func everyBuildsCellsGiveTheSameBits() {
        let (batch, n) = (3, 37)
        var generator = TestRandom(seed: 9)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -3...3, using: &generator) } }
        let xg = values(batch * 4 * n), hg = values(batch * 4 * n), h = values(batch * n), c = values(batch * n)
        let dh = values(batch * n), saved = values(batch * 4 * n).map { 1 / (1 + Foundation.exp(-$0)) }
        func run(_ cells: any CellLaneKernels.Type) -> [[Float]] {
            var outputs: [[Float]] = []
            var (state, memory) = (h, c)
            cells.lstmStep(inputGates: xg, hiddenGates: hg, hidden: &state, memory: &memory, batch: batch, hiddenSize: n)
            outputs += [state, memory]
            state = h
            cells.gruStep(inputGates: xg, hiddenGates: hg, hidden: &state, batch: batch, hiddenSize: n)
            outputs.append(state)
            state = h
            cells.rnnStep(inputGates: xg, hiddenGates: hg, hidden: &state, batch: batch, hiddenSize: n)
            outputs.append(state)
            var gates = [Float](repeating: 0, count: batch * 4 * n), next = h, nextMemory = c
            cells.lstmTrainingStep(
                inputGates: xg, hiddenGates: hg, previousMemory: c, gates: &gates, memory: &nextMemory,
                hidden: &next, batch: batch, hiddenSize: n)
            outputs += [gates, nextMemory, next]
            cells.gruTrainingStep(
                inputGates: xg, hiddenGates: hg, previousHidden: h, gates: &gates, nextHidden: &next,
                batch: batch, hiddenSize: n)
            outputs += [gates, next]
            cells.rnnTrainingStep(inputGates: xg, hiddenGates: hg, nextHidden: &next, batch: batch, hiddenSize: n)
            outputs.append(next)
            var dg = [Float](repeating: 0, count: batch * 4 * n), dx = dg, dc = c, dPrevious = h
            cells.lstmBackward(
                gates: saved, previousMemory: c, memory: h, hiddenGradient: dh, memoryGradient: &dc,
                gateGradients: &dg, batch: batch, hiddenSize: n)
            outputs += [dg, dc]
            cells.gruBackward(
                gates: saved, previousHidden: h, hiddenGradient: dh, inputGateGradients: &dx,
                hiddenGateGradients: &dg, previousHiddenGradient: &dPrevious, batch: batch, hiddenSize: n)
            outputs += [dx, dg, dPrevious]
            cells.rnnBackward(hidden: h, hiddenGradient: dh, gateGradients: &dg, batch: batch, hiddenSize: n)
            outputs.append(dg)
            return outputs
        }
        let reference = run(PanelKernelVariant.standard.cells)
        #expect(reference.allSatisfy { $0.allSatisfy(\.isFinite) })
        for variant in PanelKernelVariant.available {
            let outputs = run(variant.cells)
            for (i, (a, b)) in zip(outputs, reference).enumerated() {
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(variant.name): output \(i)")
            }
        }
    }

    @Test func expSigmoidAndTanhAreAccurate() {
        var worst = (exp: 0.0, sigmoid: 0.0, tanh: 0.0)
        var x: Float = -30
        while x <= 30 {
            let v = LaneMath.Vector(repeating: x)
            worst.exp = max(worst.exp, abs(Double(LaneMath.exp(v)[0]) / Foundation.exp(Double(x)) - 1))
            worst.sigmoid = max(worst.sigmoid, abs(Double(LaneMath.sigmoid(v)[3]) - 1 / (1 + Foundation.exp(-Double(x)))))
            worst.tanh = max(worst.tanh, abs(Double(LaneMath.tanh(v)[7]) - Foundation.tanh(Double(x))))
            x += 0.0137
        }
        #expect(worst.exp < 3e-7)
        #expect(worst.sigmoid < 2e-7)
        #expect(worst.tanh < 3e-7)
        #expect(LaneMath.exp(.init(repeating: 100))[0] == .infinity)
        #expect(LaneMath.exp(.init(repeating: -100))[0] == 0)
        #expect(LaneMath.sigmoid(.init(repeating: -200))[0] == 0)
        #expect(LaneMath.tanh(.init(repeating: 50))[0] == 1)
        #expect(LaneMath.tanh(.init(repeating: -50))[0] == -1)
    }
}

struct PackedTransposeTests {
    @Test func packingTheTransposeEqualsPackingATransposedMatrix() {
        let w = PackedMatrixTests.random(rows: 70, columns: 19, seed: 8)
        let x = PackedMatrixTests.random(rows: 9, columns: 70, seed: 9)
        let direct = PackedMatrixTests().product(PackedMatrix(transposing: w), x, threads: 1)
        let viaCopy = PackedMatrixTests().product(PackedMatrix(w.transposed()), x, threads: 1)
        #expect(direct == viaCopy)
        #expect(direct.rows == 9 && direct.columns == 19)
    }
}
