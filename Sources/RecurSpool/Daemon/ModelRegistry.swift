import Foundation
import Logging
import RecurCore

/// The models a daemon serves, by name, each with the identity of the file it was
/// loaded from.
///
/// A reload keeps a model whose file is the same file (`ModelFileIdentity`), loads one
/// whose file changed in any way, and drops one whose file is gone. A changed file that
/// does not load leaves the previous weights serving: a half-copied or broken model
/// must not take a working one out of service. Jobs hold the `RecurModel` they were
/// started with, so running batches finish on their own weights whatever a reload does.
struct ModelRegistry {
    /// The models, by catalog name (the file stem).
    private(set) var models: [String: RecurModel] = [:]
    private var identities: [String: ModelFileIdentity] = [:]

    /// An empty registry.
    init() {}

    /// What a reload changed, by model name.
    struct Changes {
        var added: [String] = []
        var replaced: [String] = []
        var removed: [String] = []
        /// Changed files that did not load, whose previous weights still serve.
        var kept: [String] = []
    }

    /// Brings the registry in line with `catalog`'s files, logging every file that
    /// cannot be loaded and why.
    @discardableResult
    mutating func reload(from catalog: ModelCatalog, logger: Logger) -> Changes {
        var changes = Changes()
        var loaded: [String: RecurModel] = [:]
        var loadedIdentities: [String: ModelFileIdentity] = [:]
        for entry in catalog.entries() {
            let existing = models[entry.name]
            // Taken before reading: a file replaced during the load differs from it at
            // the next reload and is read again.
            let identity = ModelFileIdentity(path: entry.path)
            if let existing, let identity, existing.path == entry.path, identities[entry.name] == identity {
                loaded[entry.name] = existing
                loadedIdentities[entry.name] = identity
                continue
            }
            do {
                let model = try RecurModel(contentsOf: entry.path)
                loaded[entry.name] = model
                loadedIdentities[entry.name] = identity
                if let existing {
                    if existing.dataSHA256 != model.dataSHA256 { changes.replaced.append(entry.name) }
                } else {
                    changes.added.append(entry.name)
                }
            } catch {
                guard let existing else {
                    logger.error("skipping model \(entry.path): \(error.message)")
                    continue
                }
                logger.error(
                    "model \(entry.name): cannot load the changed file \(entry.path) (\(error.message)); still serving the previous weights (data_sha256 \(existing.dataSHA256))"
                )
                loaded[entry.name] = existing
                loadedIdentities[entry.name] = identities[entry.name]
                changes.kept.append(entry.name)
            }
        }
        changes.removed = models.keys.filter { loaded[$0] == nil }.sorted()
        models = loaded
        identities = loadedIdentities
        return changes
    }
}
