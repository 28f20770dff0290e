import ArgumentParser
import Foundation
import RecurCore

/// `recur models`: what models are installed, one line each.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the models in the models directory.")

    @OptionGroup var models: ModelsDirectoryOption
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        let catalog = models.catalog
        var rows: [[String: Any]] = []
        var lines: [[String]] = []
        for entry in catalog.entries() {
            do {
                let model = try RecurModel(contentsOf: entry.path)
                rows.append(describe(model, name: entry.name))
                let n = model.network
                lines.append([
                    entry.name, n.cell.rawValue, "\(n.layerCount)×\(n.hiddenSize)", n.int8 == nil ? "float32" : "int8",
                    model.vocabulary.kind.rawValue,
                    String(model.vocabulary.count), formatCount(n.parameterCount),
                    formatBytes(model.fileSize ?? 0), model.summary,
                ])
            } catch {
                rows.append(["name": entry.name, "path": entry.path, "error": error.message])
                lines.append([entry.name, "invalid", "", "", "", "", "", "", error.message])
            }
        }
        if json {
            printJSON(["directory": catalog.directory ?? NSNull(), "models": rows])
            if catalog.directory == nil { throw ExitCode(1) }
            return
        }
        guard let directory = catalog.directory else {
            throw InputError(
                description:
                    "no models directory found: \(catalog.searchDescription); give --models DIR or set RECUR_MODELS")
        }
        guard catalog.directoryExists else {
            throw InputError(description: "the models directory \(directory) does not exist; give --models an existing directory")
        }
        guard !lines.isEmpty else {
            print("No models in \(directory). Train one with `recur train` or copy a .safetensors file there.")
            return
        }
        print("Models in \(directory):")
        printTable(
            header: ["NAME", "CELL", "LAYERS×H", "PRECISION", "KIND", "VOCAB", "PARAMS", "SIZE", "DESCRIPTION"], rows: lines)
    }
}

/// The JSON description of a model shared by `models --json` and `info --json`.
func describe(_ model: RecurModel, name: String) -> [String: Any] {
    let n = model.network
    var object: [String: Any] = [
        "name": name, "path": model.path ?? "", "cell": n.cell.rawValue, "layers": n.layerCount, "hidden": n.hiddenSize,
        "kind": model.vocabulary.kind.rawValue, "vocab_size": model.vocabulary.count, "parameters": n.parameterCount,
        "file_size": model.fileSize ?? 0, "description": model.summary, "data_sha256": model.dataSHA256,
        "embedding": n.embedding?.columns ?? NSNull(), "vocabulary": model.vocabulary.tokens,
        "trained_name": model.trainedName ?? NSNull(), "precision": n.int8 == nil ? "float32" : "int8",
    ]
    if let training = model.trainingJSON, let value = try? JSONSerialization.jsonObject(with: Data(training.utf8)) {
        object["training"] = value
    }
    if let notes = model.notesJSON, let value = try? JSONSerialization.jsonObject(with: Data(notes.utf8)) {
        object["notes"] = value
    }
    return object
}

/// Prints left-aligned columns; the last column is not padded.
func printTable(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
