import Foundation
import RecurCore
import RecurMusic
import RecurSpool

/// The models the web front end offers: those of the models directory the daemons serve,
/// loaded once each and again only when their file changes (`ModelFileIdentity`), so a
/// job can be checked against its model before it reaches the spool.
public final class ModelShelf: @unchecked Sendable {
    public let catalog: ModelCatalog
    private let lock = NSLock()
    private var loaded: [String: (model: RecurModel, identity: ModelFileIdentity)] = [:]

    public init(catalog: ModelCatalog) { self.catalog = catalog }

    /// The names of the model files in the directory, sorted.
    public var names: [String] { catalog.entries().map(\.name).sorted() }

    /// The model called `name`; nil when no such file exists or it does not load.
    public func model(named name: String) -> RecurModel? {
        catalog.entries().first { $0.name == name }.flatMap(load)
    }

    /// Every model as `GET /api/models` gives it: what the page offers for each (one
    /// listing of the directory).
    public func descriptions() -> [[String: Any]] {
        catalog.entries().sorted { $0.name < $1.name }.compactMap { entry in
            load(entry).map { Self.describe($0, name: entry.name) }
        }
    }

    /// The model of a catalog entry: the cached one while its file is the same file.
    private func load(_ entry: (name: String, path: String)) -> RecurModel? {
        guard let identity = ModelFileIdentity(path: entry.path) else { return nil }
        lock.lock()
        if let cached = loaded[entry.name], cached.identity == identity {
            lock.unlock()
            return cached.model
        }
        lock.unlock()
        guard let model = try? RecurModel(contentsOf: entry.path) else { return nil }
        lock.lock()
        loaded[entry.name] = (model, identity)
        lock.unlock()
        return model
    }

    /// The tonics the page offers for `key`, flats and sharps as musicians write them.
    public static let keys = ["C", "C#", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

    /// What a job may ask of `model`: its kind, formats and, for a notes model, the meters,
    /// modes and voices its tunes have.
    public static func describe(_ model: RecurModel, name: String) -> [String: Any] {
        let network = model.network
        var object: [String: Any] = [
            "name": name, "kind": model.vocabulary.kind.rawValue, "description": model.summary,
            "cell": network.cell.rawValue, "layers": network.layerCount, "hidden": network.hiddenSize,
            "parameters": network.parameterCount, "data_sha256": model.dataSHA256,
            "precision": network.int8 == nil ? "float32" : "int8",
        ]
        guard model.vocabulary.kind == .notes else {
            object["formats"] = ["text"]
            object["characters"] = model.vocabulary.tokens.filter { $0.count == 1 }.joined()
            return object
        }
        let encoding = (try? model.notesJSON.map { try NoteEncoding(json: $0) }) ?? nil ?? .standard
        object["formats"] = ["text"] + OutputFormat.allCases.map(\.rawValue)
        object["meters"] = encoding.meters.map(\.description)
        object["modes"] = encoding.modes.map(\.rawValue)
        object["keys"] = keys
        object["voices"] = (0..<encoding.voices).map { VoiceNames.name(of: $0, among: encoding.voices) }
        object["harmonize"] = encoding.voices > 1
        return object
    }
}
