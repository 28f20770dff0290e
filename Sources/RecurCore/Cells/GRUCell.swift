/// The GRU's element-wise equations in PyTorch's form (DESIGN.md §2), gate order r, z, n:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h′ = (1 − z) ⊙ n + z ⊙ h
///
/// The reset gate multiplies the whole hidden term, bias included, which is why the
/// hidden projection is kept apart from the input projection.
public enum GRUCell {
    /// One step for `batch` rows; see `CellKind.step` for the buffer shapes.
    @inlinable
    public static func step(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * 3 * n, r = hg + b * 3 * n
            let hb = h + b * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                let reset = V.sigmoid(V.load(x + j, count: lanes) + V.load(r + j, count: lanes))
                let update = V.sigmoid(V.load(x + n + j, count: lanes) + V.load(r + n + j, count: lanes))
                let candidate = V.tanh(V.load(x + 2 * n + j, count: lanes) + reset * V.load(r + 2 * n + j, count: lanes))
                let previous = V.load(hb + j, count: lanes)
                V.store((1 - update) * candidate + update * previous, to: hb + j, count: lanes)
                j += 8
            }
        }
    }
}

// MARK: - Training: the same step keeping its gates, and its backward pass

extension GRUCell {
    /// One forward step that also records `r, z, n` and `W_hn h + b_hn` for `backward`.
    ///
    /// The lane arithmetic is `step`'s, so training sees the numbers inference sees.
    ///
    /// - Parameters:
    ///   - gates: `[batch × 4H]`, receives `r, z, n, W_hn h + b_hn`.
    ///   - nextHidden: `[batch × H]`, receives `h′` (`previousHidden` is left as it is).
    static func trainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        previousHidden hPrevious: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        nextHidden hNext: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * 3 * n, r = hg + b * 3 * n, saved = gates + b * 4 * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                let reset = V.sigmoid(V.load(x + j, count: lanes) + V.load(r + j, count: lanes))
                let update = V.sigmoid(V.load(x + n + j, count: lanes) + V.load(r + n + j, count: lanes))
                let hiddenCandidate = V.load(r + 2 * n + j, count: lanes)
                let candidate = V.tanh(V.load(x + 2 * n + j, count: lanes) + reset * hiddenCandidate)
                let previous = V.load(hPrevious + b * n + j, count: lanes)
                V.store(reset, to: saved + j, count: lanes)
                V.store(update, to: saved + n + j, count: lanes)
                V.store(candidate, to: saved + 2 * n + j, count: lanes)
                V.store(hiddenCandidate, to: saved + 3 * n + j, count: lanes)
                V.store((1 - update) * candidate + update * previous, to: hNext + b * n + j, count: lanes)
                j += 8
            }
        }
    }

    /// Backpropagates one step, given `dh′` (all of it: from the output and from step t+1):
    ///
    ///     dn = dh′ ⊙ (1 − z)    dz = dh′ ⊙ (h − n)    dh_prev (direct) = dh′ ⊙ z
    ///     dn̂ = dn ⊙ (1 − n²)    d(W_hn h + b_hn) = dn̂ ⊙ r    dr = dn̂ ⊙ (W_hn h + b_hn)
    ///
    /// and r, z through σ′ = s(1 − s). Because r multiplies only the hidden term, the input
    /// and hidden pre-activation gradients differ in the n block, so they are written apart.
    ///
    /// - Parameters:
    ///   - inputGateGradients: `[batch × 3H]`, receives d(W_ih x + b_ih).
    ///   - hiddenGateGradients: `[batch × 3H]`, receives d(W_hh h + b_hh).
    ///   - previousHiddenGradient: `[batch × H]`, receives the direct term `dh′ ⊙ z`; the caller
    ///     adds the part through `W_hh`.
    static func backward(
        gates: UnsafePointer<Float>, previousHidden hPrevious: UnsafePointer<Float>,
        hiddenGradient dh: UnsafePointer<Float>,
        inputGateGradients dx: UnsafeMutablePointer<Float>, hiddenGateGradients dhg: UnsafeMutablePointer<Float>,
        previousHiddenGradient dhPrevious: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let saved = gates + b * 4 * n, outX = dx + b * 3 * n, outH = dhg + b * 3 * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j), at = b * n + j
                let r = V.load(saved + j, count: lanes), z = V.load(saved + n + j, count: lanes)
                let candidate = V.load(saved + 2 * n + j, count: lanes)
                let hiddenCandidate = V.load(saved + 3 * n + j, count: lanes)
                let dhNext = V.load(dh + at, count: lanes)
                let dCandidate = dhNext * (1 - z) * (1 - candidate * candidate)
                let dReset = dCandidate * hiddenCandidate * r * (1 - r)
                let dUpdate = dhNext * (V.load(hPrevious + at, count: lanes) - candidate) * z * (1 - z)
                V.store(dReset, to: outX + j, count: lanes)
                V.store(dUpdate, to: outX + n + j, count: lanes)
                V.store(dCandidate, to: outX + 2 * n + j, count: lanes)
                V.store(dReset, to: outH + j, count: lanes)
                V.store(dUpdate, to: outH + n + j, count: lanes)
                V.store(dCandidate * r, to: outH + 2 * n + j, count: lanes)
                V.store(dhNext * z, to: dhPrevious + at, count: lanes)
                j += 8
            }
        }
    }
}
