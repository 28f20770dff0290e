import Foundation
import RecurCore

/// `--plot FILE.svg`: redraws the loss curves of a run, atomically, so that a viewer
/// never reads half a file.
struct LossPlotWriter {
    let path: String
    let title: String

    /// Writes the curves so far.
    func draw(_ trainer: Trainer) throws(FileWriteError) {
        let best = trainer.best.loss.flatMap { loss in trainer.best.step.map { (loss: loss, step: $0) } }
        let plot = LossPlot(history: trainer.history, best: best, title: title)
        try AtomicFile.write(Data(plot.svg().utf8), to: path)
    }
}

/// `--sample-every N`: a short sample of the weights being trained, on stderr (above the
/// progress bar on a terminal) or, with `--json`, as one JSON line on stdout.
struct SampleReporter {
    /// Tokens per sample.
    static let length = 200

    let json: Bool
    let bar: ProgressBar

    func report(_ trainer: Trainer) {
        let text = trainer.sample(length: Self.length)
        if json {
            let object: [String: Any] = ["step": trainer.step, "sample": text]
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            emit(String(decoding: data, as: UTF8.self) + "\n")
            return
        }
        let block = "── sample at step \(trainer.step) ──\n" + text + (text.hasSuffix("\n") ? "" : "\n")
        if isatty(STDERR_FILENO) == 1 {
            bar.interrupt(with: block)
        } else {
            FileHandle.standardError.write(Data(block.utf8))
        }
    }
}
