// This file is compiled twice, like PanelKernel.swift: into RecurKernels with `Lanes`
// = SIMD8 (AVX2) and into RecurKernelsAVX512 with `Lanes` = SIMD16. Every lane runs the
// same IEEE operations in the same order (no fused or reassociated arithmetic), so both
// builds give bit-identical results; only the number of lanes per instruction differs.

/// Vectorised `exp`, logistic and `tanh` for the cells' element-wise work.
///
/// The scalar `expf`/`tanhf` of libm cost about a third of a large-batch step. These
/// are Cephes' single-precision polynomial (≈ 1 ulp for exp), a `Lanes` vector at a
/// time. Every element goes through the same lane arithmetic — a partial vector at the end
/// of a row is padded, not handled by other code — so results never depend on where
/// an element sits.
public enum LaneMath {
    /// Lanes per vector.
    public typealias Vector = Lanes

    /// e^x, lane-wise; saturates to 0 below −87.3 and to +∞ above 88.7.
    @_transparent
    public static func exp(_ input: Vector) -> Vector {
        let low = Vector(repeating: -87.33654), high = Vector(repeating: 88.72283)
        var x0 = input.replacing(with: low, where: input .< low)
        x0 = x0.replacing(with: high, where: x0 .> high)
        // n = round(x / ln 2) by the 1.5·2²³ trick (its integer sits in the low
        // mantissa bits); r = x − n ln 2, with ln 2 split in two for precision.
        let magic = Vector(repeating: 12_582_912)
        let shifted = x0 * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x0 - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        // 2^n from the exponent bits: (n + 127) << 23.
        let integer = unsafeBitCast(shifted, to: LaneBits.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        let result = y * scale
        return result.replacing(with: .infinity, where: input .> high).replacing(with: 0, where: input .< low)
    }

    /// σ(x) = 1 / (1 + e^(−x)), lane-wise, in [0, 1].
    @_transparent
    public static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// tanh(x) = sign(x) · (1 − e^(−2|x|)) / (1 + e^(−2|x|)), lane-wise.
    @_transparent
    public static func tanh(_ x: Vector) -> Vector {
        let magnitude = x.replacing(with: -x, where: x .< 0)  // |x|
        let e = exp(-2 * magnitude)
        let t = (1 - e) / (1 + e)
        return t.replacing(with: -t, where: x .< 0)
    }

    /// Loads up to `Lanes.scalarCount` values, padding with zeros.
    @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>, count: Int) -> Vector {
        if count >= Vector.scalarCount { return UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self) }
        var v = Vector.zero
        for i in 0..<count { v[i] = pointer[i] }
        return v
    }

    /// Stores the first `count` (≤ `Lanes.scalarCount`) lanes.
    @inline(__always)
    public static func store(_ v: Vector, to pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= Vector.scalarCount {
            UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: Vector.self)
            return
        }
        for i in 0..<count { pointer[i] = v[i] }
    }
}

extension LaneMath {
    /// The LSTM cell on one vector of units: the activated gates, `c′ = f ⊙ c + i ⊙ g`
    /// and `h′ = o ⊙ tanh(c′)` from the gates' pre-activations and `c`. Inference,
    /// training and the kernel's fused cell all go through it, so they agree bit for bit.
    @_transparent
    public static func lstm(_ preI: Vector, _ preF: Vector, _ preG: Vector, _ preO: Vector, memory c: Vector)
        -> (i: Vector, f: Vector, g: Vector, o: Vector, memory: Vector, hidden: Vector)
    {
        let i = sigmoid(preI), f = sigmoid(preF), g = tanh(preG), o = sigmoid(preO)
        let next = f * c + i * g
        return (i, f, g, o, next, o * tanh(next))
    }
}

/// Calls `vector(j, lanes)` over `count` elements: whole vectors, then at most one padded
/// tail (see `LaneMath.load`). Pass an `@inline(__always)` local function: its
/// whole-vector calls then compile to straight vector code, which they do not when
/// the tail's partial loads are merged into the same loop.
@_transparent func forEachVector(_ count: Int, _ vector: (_ j: Int, _ lanes: Int) -> Void) {
    var j = 0
    while j + Lanes.scalarCount <= count {
        vector(j, Lanes.scalarCount)
        j += Lanes.scalarCount
    }
    if j < count { vector(j, count - j) }
}

/// The cells' element-wise equations (DESIGN.md §2) on raw row-major buffers, for
/// inference (`…Step`) and training (`…TrainingStep` keeps what `…Backward` needs).
/// RecurCore's `LSTMCell`, `GRUCell` and `RNNCell` document the equations and pick the
/// build for this machine.
public enum CellLanes {
    // MARK: - LSTM
    //
    // The LSTM's element-wise equations (DESIGN.md §2), gate order i, f, g, o:
    //
    //     i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(…)     g = tanh(…)     o = σ(…)
    //     c′ = f ⊙ c + i ⊙ g                       h′ = o ⊙ tanh(c′)

    /// One step for `batch` rows; `xg`, `hg` `[batch × G·H]`, `h` (and `c`) `[batch × H]` replaced by the next state.
    public static func lstmStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, memory c: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let x = xg + b * 4 * n, r = hg + b * 4 * n
            let hb = h + b * n, cb = c + b * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
                func gate(_ g: Int) -> V.Vector { V.load(x + g * n + j, count: lanes) + V.load(r + g * n + j, count: lanes) }
                let cell = V.lstm(gate(0), gate(1), gate(2), gate(3), memory: V.load(cb + j, count: lanes))
                V.store(cell.memory, to: cb + j, count: lanes)
                V.store(cell.hidden, to: hb + j, count: lanes)
            }
            forEachVector(n, vector)
        }
    }

    /// One forward step that also records the activated gates `i, f, g, o` for the backward step.
    ///
    /// The lane arithmetic is the inference step's, so training sees the numbers inference sees;
    /// `c′` and `h′` go to separate buffers because backward needs `c` and `c′` both.
    ///
    /// - Parameters:
    ///   - gates: `[batch × 4H]`, receives `i, f, g, o` after their nonlinearities.
    public static func lstmTrainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        previousMemory cPrevious: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        memory cNext: UnsafeMutablePointer<Float>, hidden hNext: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let x = xg + b * 4 * n, r = hg + b * 4 * n, saved = gates + b * 4 * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
                func gate(_ g: Int) -> V.Vector { V.load(x + g * n + j, count: lanes) + V.load(r + g * n + j, count: lanes) }
                let cell = V.lstm(gate(0), gate(1), gate(2), gate(3), memory: V.load(cPrevious + b * n + j, count: lanes))
                V.store(cell.i, to: saved + j, count: lanes)
                V.store(cell.f, to: saved + n + j, count: lanes)
                V.store(cell.g, to: saved + 2 * n + j, count: lanes)
                V.store(cell.o, to: saved + 3 * n + j, count: lanes)
                V.store(cell.memory, to: cNext + b * n + j, count: lanes)
                V.store(cell.hidden, to: hNext + b * n + j, count: lanes)
            }
            forEachVector(n, vector)
        }
    }

    /// Backpropagates one step, given `dh′` (all of it: from the output and from step t+1):
    ///
    ///     do = dh′ ⊙ tanh(c′)      dc = dc′ + dh′ ⊙ o ⊙ (1 − tanh²(c′))
    ///     di = dc ⊙ g    df = dc ⊙ c    dg = dc ⊙ i    dc_prev = dc ⊙ f
    ///
    /// then through the nonlinearities, σ′ = s(1 − s) and tanh′ = 1 − t². The result is the
    /// gradient of the gate pre-activations, which is the same for `W_ih x + b_ih` and
    /// `W_hh h + b_hh` because the LSTM adds them.
    ///
    /// - Parameters:
    ///   - memoryGradient: `dc′` from later steps on entry (zero at the last step), `dc_prev` on return.
    ///   - gateGradients: `[batch × 4H]`, receives the pre-activation gradients in gate order.
    public static func lstmBackward(
        gates: UnsafePointer<Float>, previousMemory cPrevious: UnsafePointer<Float>, memory c: UnsafePointer<Float>,
        hiddenGradient dh: UnsafePointer<Float>, memoryGradient dc: UnsafeMutablePointer<Float>,
        gateGradients dg: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let saved = gates + b * 4 * n, out = dg + b * 4 * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
                let at = b * n + j
                let i = V.load(saved + j, count: lanes), f = V.load(saved + n + j, count: lanes)
                let g = V.load(saved + 2 * n + j, count: lanes), o = V.load(saved + 3 * n + j, count: lanes)
                let tc = V.tanh(V.load(c + at, count: lanes))
                let dhNext = V.load(dh + at, count: lanes)
                let dcTotal = V.load(dc + at, count: lanes) + dhNext * o * (1 - tc * tc)
                V.store(dcTotal * g * i * (1 - i), to: out + j, count: lanes)
                V.store(dcTotal * V.load(cPrevious + at, count: lanes) * f * (1 - f), to: out + n + j, count: lanes)
                V.store(dcTotal * i * (1 - g * g), to: out + 2 * n + j, count: lanes)
                V.store(dhNext * tc * o * (1 - o), to: out + 3 * n + j, count: lanes)
                V.store(dcTotal * f, to: dc + at, count: lanes)
            }
            forEachVector(n, vector)
        }
    }

    // MARK: - GRU
    //
    // The GRU's element-wise equations in PyTorch's form (DESIGN.md §2), gate order r, z, n:
    //
    //     r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
    //     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    //     h′ = (1 − z) ⊙ n + z ⊙ h
    //
    // The reset gate multiplies the whole hidden term, bias included, which is why the
    // hidden projection is kept apart from the input projection.

    /// One step for `batch` rows; `xg`, `hg` `[batch × G·H]`, `h` (and `c`) `[batch × H]` replaced by the next state.
    public static func gruStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let x = xg + b * 3 * n, r = hg + b * 3 * n
            let hb = h + b * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
                let reset = V.sigmoid(V.load(x + j, count: lanes) + V.load(r + j, count: lanes))
                let update = V.sigmoid(V.load(x + n + j, count: lanes) + V.load(r + n + j, count: lanes))
                let candidate = V.tanh(V.load(x + 2 * n + j, count: lanes) + reset * V.load(r + 2 * n + j, count: lanes))
                let previous = V.load(hb + j, count: lanes)
                V.store((1 - update) * candidate + update * previous, to: hb + j, count: lanes)
            }
            forEachVector(n, vector)
        }
    }

    /// One forward step that also records `r, z, n` and `W_hn h + b_hn` for the backward step.
    ///
    /// The lane arithmetic is the inference step's, so training sees the numbers inference sees.
    ///
    /// - Parameters:
    ///   - gates: `[batch × 4H]`, receives `r, z, n, W_hn h + b_hn`.
    ///   - nextHidden: `[batch × H]`, receives `h′` (`previousHidden` is left as it is).
    public static func gruTrainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        previousHidden hPrevious: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        nextHidden hNext: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let x = xg + b * 3 * n, r = hg + b * 3 * n, saved = gates + b * 4 * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
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
            }
            forEachVector(n, vector)
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
    public static func gruBackward(
        gates: UnsafePointer<Float>, previousHidden hPrevious: UnsafePointer<Float>,
        hiddenGradient dh: UnsafePointer<Float>,
        inputGateGradients dx: UnsafeMutablePointer<Float>, hiddenGateGradients dhg: UnsafeMutablePointer<Float>,
        previousHiddenGradient dhPrevious: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let saved = gates + b * 4 * n, outX = dx + b * 3 * n, outH = dhg + b * 3 * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
                let at = b * n + j
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
            }
            forEachVector(n, vector)
        }
    }

    // MARK: - RNN
    //
    // The plain recurrent cell (DESIGN.md §2): h′ = tanh(W_ih x + b_ih + W_hh h + b_hh).

    /// One step for `batch` rows; `xg`, `hg` `[batch × G·H]`, `h` (and `c`) `[batch × H]` replaced by the next state.
    public static func rnnStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        // h′ depends on h only through hg, so it can overwrite h as it goes.
        rnnTrainingStep(inputGates: xg, hiddenGates: hg, nextHidden: h, batch: batch, hiddenSize: n)
    }

    /// One forward step writing `h′` to `nextHidden`; `h′` is all that `backward` needs.
    public static func rnnTrainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        nextHidden hNext: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        for b in 0..<batch {
            let x = xg + b * n, r = hg + b * n, hb = hNext + b * n
            @inline(__always) func vector(_ j: Int, lanes: Int) {
                V.store(V.tanh(V.load(x + j, count: lanes) + V.load(r + j, count: lanes)), to: hb + j, count: lanes)
            }
            forEachVector(n, vector)
        }
    }

    /// Backpropagates one step: d(pre-activation) = dh′ ⊙ (1 − h′²), the same for the input
    /// and the hidden projection because the cell adds them.
    public static func rnnBackward(
        hidden hNext: UnsafePointer<Float>, hiddenGradient dh: UnsafePointer<Float>,
        gateGradients dg: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = LaneMath
        @inline(__always) func vector(_ i: Int, lanes: Int) {
            let h = V.load(hNext + i, count: lanes)
            V.store(V.load(dh + i, count: lanes) * (1 - h * h), to: dg + i, count: lanes)
        }
        forEachVector(batch * n, vector)
    }
}
