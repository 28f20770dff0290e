import ArgumentParser
import Foundation
import RecurCore
import RecurMusic

/// `recur info`: everything a model file says about itself.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show a model's architecture, size and training metadata.")

    @Argument(help: ArgumentHelp("A model name (file stem in the models directory) or a path.", valueName: "model"))
    var model: String
    @OptionGroup var models: ModelsDirectoryOption
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try models.loadModel(model)
        let object = describe(loaded, name: loaded.name)
        if json {
            printJSON(object)
            return
        }
        let n = loaded.network
        let input = n.embedding.map { "embedding \($0.columns)" } ?? "one-hot"
        print(
            """
            \(loaded.name)\(loaded.summary.isEmpty ? "" : " — " + loaded.summary)\(loaded.trainedName.map { $0 == loaded.name ? "" : " (trained as \($0))" } ?? "")
              file         \(loaded.path ?? "") (\(formatBytes(loaded.fileSize ?? 0)))
              cell         \(n.cell.rawValue.uppercased()), \(n.layerCount) layer\(n.layerCount == 1 ? "" : "s") × \(n.hiddenSize) hidden, \(input) input
              vocabulary   \(loaded.vocabulary.count) \(loaded.vocabulary.kind == .text ? "characters" : "note tokens")
              parameters   \(formatCount(n.parameterCount))
              precision    \(n.int8 == nil ? "float32" : "int8: weights in eight bits with a float32 scale per output row; embedding and biases float32 (DESIGN.md §3)")
              data_sha256  \(loaded.dataSHA256)
            """)
        if let training = object["training"] as? [String: Any], !training.isEmpty {
            print("  training")
            for key in training.keys.sorted() {
                print("    \(key.padding(toLength: 18, withPad: " ", startingAt: 0)) \(render(training[key]!))")
            }
        }
        if let encoding = try loaded.noteEncoding() {
            print("  notes        \(encoding.format), pitches \(encoding.lowestPitch)…\(encoding.highestPitch)")
            if !encoding.meters.isEmpty {
                print("    meters             \(encoding.meters.map(\.description).joined(separator: ", "))")
            }
            if !encoding.modes.isEmpty {
                print("    modes              \(encoding.modes.map(\.rawValue).joined(separator: ", "))")
            }
            if encoding.voices > 1 {
                let ranges = encoding.voiceRanges.enumerated().map { index, range in
                    "\(VoiceNames.name(of: index, among: encoding.voices).lowercased()) n\(range.lowerBound)…n\(range.upperBound)"
                }
                print("    voices             \(encoding.voices)\(ranges.isEmpty ? "" : ": " + ranges.joined(separator: ", "))")
            }
            if !encoding.warmup.isEmpty { print("    warm-up            \(encoding.warmup.joined(separator: " "))") }
        }
    }

    private func render(_ value: Any) -> String {
        if let text = value as? String { return text }
        if JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}
