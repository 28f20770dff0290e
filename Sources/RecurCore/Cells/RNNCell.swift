/// The plain recurrent cell (DESIGN.md §2): h′ = tanh(W_ih x + b_ih + W_hh h + b_hh).
public enum RNNCell {
    /// One step for `batch` rows; see `CellKind.step` for the buffer shapes.
    @inlinable
    public static func step(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * n, r = hg + b * n, hb = h + b * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                V.store(V.tanh(V.load(x + j, count: lanes) + V.load(r + j, count: lanes)), to: hb + j, count: lanes)
                j += 8
            }
        }
    }
}

// MARK: - Training: the same step into a separate buffer, and its backward pass

extension RNNCell {
    /// One forward step writing `h′` to `nextHidden`; `h′` is all that `backward` needs.
    static func trainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        nextHidden hNext: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * n, r = hg + b * n, hb = hNext + b * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                V.store(V.tanh(V.load(x + j, count: lanes) + V.load(r + j, count: lanes)), to: hb + j, count: lanes)
                j += 8
            }
        }
    }

    /// Backpropagates one step: d(pre-activation) = dh′ ⊙ (1 − h′²), the same for the input
    /// and the hidden projection because the cell adds them.
    static func backward(
        hidden hNext: UnsafePointer<Float>, hiddenGradient dh: UnsafePointer<Float>,
        gateGradients dg: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        var i = 0
        let count = batch * n
        while i < count {
            let lanes = min(8, count - i)
            let h = V.load(hNext + i, count: lanes)
            V.store(V.load(dh + i, count: lanes) * (1 - h * h), to: dg + i, count: lanes)
            i += 8
        }
    }
}
