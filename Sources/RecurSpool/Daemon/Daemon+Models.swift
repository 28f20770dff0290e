import Dispatch
import Foundation
import Logging
import RecurCore

// The daemon's models: loading them, reloading on SIGHUP, and the one sampling worker
// each model's weights run on. Everything here runs on the control queue.
extension Daemon {
    func loadModels() {
        dispatchPrecondition(condition: .onQueue(control))
        registry.reload(from: ModelCatalog(directory: options.modelsDirectory), logger: logger)
    }

    func reloadModels() {
        dispatchPrecondition(condition: .onQueue(control))
        guard !shutDown else { return }
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(DispatchTime.now().uptimeNanoseconds / 1000)")
        let changes = registry.reload(from: ModelCatalog(directory: options.modelsDirectory), logger: logger)
        func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.sorted().joined(separator: ", ") }
        logger.info(
            "reloaded models: \(list(Array(models.keys))) (new: \(list(changes.added)); replaced: \(list(changes.replaced)); removed: \(list(changes.removed)); kept after a load error: \(list(changes.kept)))"
        )
        notifier.notify("READY=1")
        scan(.everything)
    }

    /// The worker running `model`'s weights. Weights replaced by a reload get a new
    /// worker; the old one finishes its batch on the weights it started with.
    func worker(for model: RecurModel) -> ModelWorker {
        dispatchPrecondition(condition: .onQueue(control))
        if let existing = modelWorkers[model.name] {
            if existing.model.dataSHA256 == model.dataSHA256 { return existing }
            retiredWorkers.append(existing)
        }
        let worker = ModelWorker(model: model, threads: options.workers) { [weak self] sample in
            self?.sampleFinished(sample)
        }
        modelWorkers[model.name] = worker
        watchdog?.watch(worker.progress)
        return worker
    }
}
