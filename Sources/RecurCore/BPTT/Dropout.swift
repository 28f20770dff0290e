/// Inverted dropout between stacked layers, as PyTorch's `nn.LSTM(dropout: p)` applies it
/// during training: every element of a layer's output that feeds the next layer is zeroed
/// with probability `p` and otherwise scaled by 1/(1 − p), so the expected value is kept
/// and nothing needs rescaling at inference time.
enum Dropout {
    /// Fills `count` factors, each 0 with probability `p` and 1/(1 − p) otherwise.
    ///
    /// One uniform draw per element, in order, so the masks of a window are a function of
    /// the random stream alone: a training run is reproducible from its seed.
    static func drawMask(
        into mask: UnsafeMutablePointer<Float>, count: Int, probability p: Float, random: inout SampleRandom
    ) {
        let threshold = Double(p), keep = 1 / (1 - p)
        for i in 0..<count {
            mask[i] = random.nextUnit() < threshold ? 0 : keep
        }
    }

    /// `drawMask` into a new array: the factors the training forward pass would use next.
    static func mask(count: Int, probability p: Float, random: inout SampleRandom) -> [Float] {
        var mask = [Float](repeating: 0, count: count)
        mask.withMutableBaseAddress { drawMask(into: $0, count: count, probability: p, random: &random) }
        return mask
    }
}
