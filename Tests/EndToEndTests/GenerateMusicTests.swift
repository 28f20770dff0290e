import Foundation
import RecurCore
import Testing

/// `recur generate --format wav|flac|ogg|midi` with a notes model.
struct GenerateMusicTests {
    /// A small random notes model, saved where the binary can load it: steps only, or with
    /// `extraTokens` and a `notesJSON` encoding (headers and bar lines).
    static func notesModel(
        in directory: String, name: String = "tiny-folk", extraTokens: [String] = [], notesJSON: String? = nil
    ) throws -> String {
        let tokens = ["<eos>", "r", "-"] + (60...72).map { "n\($0)" } + extraTokens
        var generator = SystemRandomNumberGenerator()
        var network = RecurrentNetwork(cell: .lstm, vocabularySize: tokens.count, hiddenSize: 12, layerCount: 1)
        func fill(_ values: inout [Float]) {
            for i in values.indices { values[i] = Float.random(in: -0.8...0.8, using: &generator) }
        }
        fill(&network.layers[0].inputWeights.values)
        fill(&network.layers[0].hiddenWeights.values)
        fill(&network.headWeights.values)
        network.headBias[0] = -3  // tunes rarely end at once
        var model = RecurModel(network: network, vocabulary: Vocabulary(kind: .notes, tokens: tokens)!, name: name)
        model.notesJSON = notesJSON
        let path = directory + "/\(name).safetensors"
        try model.save(to: path)
        return path
    }

    @Test func oneSeedGivesTheSameTuneInEveryFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.notesModel(in: directory)
        let out = directory + "/out"
        let result = try RecurBinary.run([
            "generate", "--model", model, "--count", "3", "--length", "48", "--seed", "5", "--temperature", "1",
            "--prime", "n60 -", "--format", "text,wav,midi,flac", "--out", out, "--instrument", "organ", "--tempo", "140",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        for name in ["sample-001.txt", "sample-001.wav", "sample-001.mid", "sample-001.flac"] { #expect(files.contains(name)) }
        let wav = try Data(contentsOf: URL(fileURLWithPath: out + "/sample-001.wav"))
        #expect(wav.prefix(4) == Data("RIFF".utf8))
        let text = try String(contentsOfFile: out + "/sample-001.txt", encoding: .utf8)
        #expect(text.hasPrefix("n60 -"))
        // The MIDI file equals rendering the sample's own tokens: one tune, every format.
        let rendered = directory + "/again.mid"
        let render = try RecurBinary.run([
            "render", out + "/sample-001.txt", "--out", rendered, "--tempo", "140", "--instrument", "organ",
        ])
        #expect(render.status == 0, "\(render.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: rendered))
                == Data(contentsOf: URL(fileURLWithPath: out + "/sample-001.mid")))
    }

    @Test func audioFormatsNeedANotesModelAndAnOutputDirectory() throws {
        let textModel = parityModels + "/rnn-l1-onehot.safetensors"
        let text = try RecurBinary.run(["generate", "--model", textModel, "--format", "wav", "--out", NSTemporaryDirectory()])
        #expect(text.status != 0)
        #expect(text.stderr.contains("needs a notes model"))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.notesModel(in: directory)
        let noOut = try RecurBinary.run(["generate", "--model", model, "--format", "ogg"])
        #expect(noOut.status != 0)
        #expect(noOut.stderr.contains("--out"))
        let badRate = try RecurBinary.run([
            "generate", "--model", model, "--format", "wav", "--out", directory, "--sample-rate", "7",
        ])
        #expect(badRate.status != 0)
        #expect(badRate.stderr.contains("--sample-rate"))
        let badFormat = try RecurBinary.run(["generate", "--model", model, "--format", "aiff", "--out", directory])
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("--format"))
    }

    @Test func bitsGoToTheWAVOfSeveralFormatsAndNeedOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.notesModel(in: directory)
        let out = directory + "/out"
        let both = try RecurBinary.run([
            "generate", "--model", model, "--format", "ogg,wav", "--bits", "24", "--length", "40", "--seed", "1", "--out", out,
        ])
        #expect(both.status == 0, "\(both.stderr)")
        // A WAV file's fmt chunk: bits per sample at byte 34.
        let wav = try Data(contentsOf: URL(fileURLWithPath: out + "/sample-001.wav"))
        #expect(wav.count > 44 && wav[34] == 24, "the WAV is 24-bit although ogg came first")
        let oggOnly = try RecurBinary.run([
            "generate", "--model", model, "--format", "ogg", "--bits", "24", "--out", directory + "/o",
        ])
        #expect(oggOnly.status == 1)
        #expect(oggOnly.stderr.contains("--bits applies to WAV and FLAC, not ogg"), "\(oggOnly.stderr)")
    }
}
