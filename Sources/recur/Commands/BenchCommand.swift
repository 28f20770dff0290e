import ArgumentParser
import Foundation
import RecurCore

/// `recur bench`: sampling throughput of a model at a batch size.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure sampling throughput (tokens per second over all rows).",
        discussion: """
            Runs --batch samples of --length tokens from the start token at temperature 1 \
            and reports generated tokens per second (all rows; the prime is not counted), \
            after --warmup seconds of the same work (the first tens of milliseconds on a \
            cold core run at a fraction of the steady rate). With --best-of N or --beam K \
            each sample takes N or K rows, and the rate counts the tokens of the samples \
            kept (the output), not of every row. GFLOP/s counts two operations \
            per multiply-add of the recurrent, input and head products.
            """)

    @Option(help: ArgumentHelp("A model name or path.", valueName: "model")) var model: String
    @Option(help: "Rows sampled together.") var batch: Int = 1
    @Option(help: "Tokens per row.") var length: Int = 256
    @Option(help: ArgumentHelp("Seconds of sampling before the measured run.", valueName: "seconds")) var warmup: Double = 0.25
    @Option(name: .customLong("best-of"), help: ArgumentHelp("Keep the likeliest of N candidates per sample.", valueName: "n"))
    var bestOf: Int?
    @Option(help: ArgumentHelp("A beam search of width K per sample instead of sampling.", valueName: "k")) var beam: Int?
    @OptionGroup(title: "Tunes (notes models): sample with the guides a tune gets") var tune: TuneFlags
    @OptionGroup var models: ModelsDirectoryOption
    @OptionGroup var threads: ThreadsOption
    @Flag(
        help:
            "Also measure OpenBLAS sgemm and Recur's own kernel on one product at this batch (N 2048, K 1024), and memory read bandwidth, for comparison."
    )
    var reference = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 10000, got \(batch)") }
        guard (1...1_000_000).contains(length) else {
            throw ValidationError("--length must be between 1 and 1000000, got \(length)")
        }
        guard (0...60).contains(warmup) else { throw ValidationError("--warmup must be between 0 and 60 seconds, got \(warmup)") }
        guard bestOf == nil || beam == nil else { throw ValidationError("give --best-of or --beam, not both") }
    }

    func run() throws {
        threads.keepBLASSingleThreaded()
        let loaded = try models.loadModel(model)
        let weights = InferenceWeights(loaded.network)
        var request = SamplingRequest()
        // A beam is one sample per request: --batch beams are --batch requests.
        request.count = beam == nil ? batch : 1
        request.temperature = beam == nil ? 1 : nil
        request.bestOf = bestOf
        request.beam = beam
        request.seed = 1
        request.length = length
        let options = try tune.options()
        if !options.isEmpty || tune.freeForm || tune.freeBars || tune.freeVoicing {
            guard let encoding = try loaded.noteEncoding() else {
                throw InputError(description: "the tune flags are for notes models; '\(loaded.name)' is a text model")
            }
            do {
                try options.apply(to: &request, encoding: encoding, vocabulary: loaded.vocabulary.tokens, model: loaded.name)
            } catch { throw error.flagError }
        }
        let rows = batch * request.rowsPerSample
        guard rows <= 10_000 else {
            throw InputError(description: "--batch × \(beam != nil ? "--beam" : "--best-of") = \(rows) rows; at most 10000")
        }
        func sampler(key: String) throws -> BatchSampler {
            var sampler = BatchSampler(model: loaded, weights: weights, threads: threads.count)
            let prepared = try loaded.prepare(request)
            for copy in 0..<(beam == nil ? 1 : batch) { sampler.joinAll(prepared, key: "\(key)\(copy)") }
            return sampler
        }
        // Warm-up: at least one short run, then more until --warmup seconds have passed.
        // A melody to harmonise sets the length to its own.
        let measuredLength = request.length
        request.length = max(1, min(measuredLength, 8))
        let clock = ContinuousClock()
        let warmupEnds = clock.now + .milliseconds(Int(warmup * 1000))
        repeat {
            var warming = try sampler(key: "warmup")
            _ = warming.runToCompletion()
        } while clock.now < warmupEnds

        request.length = measuredLength
        var sampler = try sampler(key: "bench")
        let helperBefore = SpinningHelper.usage
        let started = clock.now
        let samples = sampler.runToCompletion()
        let elapsed = clock.now - started
        let helper = SpinningHelper.usage.since(helperBefore)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let tokens = samples.reduce(0) { $0 + $1.generatedTokens + ($1.ending == .endOfTune ? 1 : 0) }
        let rate = Double(tokens) / seconds
        // Candidates and beams compute rows whose tokens are not kept: count every row.
        let gflops = 2 * Double(weights.multiplyAddsPerStep) * rate * Double(request.rowsPerSample) / 1e9
        // Every step reads all weights once, whatever the batch: weight traffic per second.
        let weightRate = Double(weights.weightBytes) * rate / Double(batch) / 1e9
        // An int8 model's products run in the int8 kernels (its "GFLOP/s" count integer operations).
        let kernel = weights.isInt8 ? "int8 " + Int8KernelVariant.selected.rawValue : PanelKernelVariant.selected.name
        var object: [String: Any] = [
            "model": loaded.name, "tokens_per_second": rate, "batch": batch, "rows": rows, "length": length, "seconds": seconds,
            "best_of": bestOf ?? NSNull(), "beam": beam ?? NSNull(),
            "threads": threads.count, "tokens": tokens, "gflops": gflops, "weight_bytes": weights.weightBytes,
            "weight_gbps": weightRate, "kernel": kernel, "blas_core": BLASCore.name,
            "helper": ["parallel_calls": helper.parallelCalls, "alone_calls": helper.aloneCalls, "pauses": helper.pauses],
        ]
        if reference {
            object["sgemm_gflops"] = MachineReference.sgemmRate(m: batch, n: 2048, k: 1024, threads: threads.count)
            object["kernel_gflops"] = MachineReference.panelKernelRate(m: batch, n: 2048, k: 1024, threads: threads.count)
            object["memory_gbps"] = MachineReference.memoryReadRate(threads: threads.count)
        }
        if json {
            printJSON(object)
        } else {
            print(
                String(
                    format:
                        "%@: %@ tokens/s (batch %d%@ × %d tokens in %.3f s, %d thread%@, %@ kernel, %.1f GFLOP/s, weights read at %.1f GB/s)",
                    loaded.name, formatCount(Int(rate)), batch, request.searchDescription, length, seconds, threads.count,
                    threads.count == 1 ? "" : "s", kernel, gflops, weightRate))
            if let sgemm = object["sgemm_gflops"] as? Double, let kernel = object["kernel_gflops"] as? Double,
                let memory = object["memory_gbps"] as? Double
            {
                print(
                    String(
                        format:
                            "reference: %d×2048×1024 product: OpenBLAS sgemm %.1f GFLOP/s (%@ kernels), Recur kernel %.1f GFLOP/s; memory read %.1f GB/s",
                        batch, sgemm, BLASCore.name, kernel, memory))
            }
        }
    }
}
