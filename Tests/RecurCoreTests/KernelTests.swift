import Foundation
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
