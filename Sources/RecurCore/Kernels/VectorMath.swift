/// Vectorised `exp`, logistic and `tanh` for the cells' element-wise work.
///
/// The scalar `expf`/`tanhf` of libm cost about a third of a large-batch step. These
/// are Cephes' single-precision polynomial (≈ 1 ulp for exp), eight lanes at a time.
/// Every element goes through the same lane arithmetic — a partial vector at the end
/// of a row is padded, not handled by other code — so results never depend on where
/// an element sits.
public enum VectorMath {
    /// Lanes per vector.
    public typealias Vector = SIMD8<Float>

    /// e^x, lane-wise; saturates to 0 below −87.3 and to +∞ above 88.7.
    @inlinable
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
        let integer = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        let result = y * scale
        return result.replacing(with: .infinity, where: input .> high).replacing(with: 0, where: input .< low)
    }

    /// σ(x) = 1 / (1 + e^(−x)), lane-wise, in [0, 1].
    @inlinable
    public static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// tanh(x) = sign(x) · (1 − e^(−2|x|)) / (1 + e^(−2|x|)), lane-wise.
    @inlinable
    public static func tanh(_ x: Vector) -> Vector {
        let magnitude = x.replacing(with: -x, where: x .< 0) // |x|
        let e = exp(-2 * magnitude)
        let t = (1 - e) / (1 + e)
        return t.replacing(with: -t, where: x .< 0)
    }

    /// Loads up to eight values, padding with zeros.
    @inlinable
    @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>, count: Int) -> Vector {
        if count >= 8 { return UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self) }
        var v = Vector.zero
        for i in 0..<count { v[i] = pointer[i] }
        return v
    }

    /// Stores the first `count` (≤ 8) lanes.
    @inlinable
    @inline(__always)
    public static func store(_ v: Vector, to pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 8 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: Vector.self)
            return
        }
        for i in 0..<count { pointer[i] = v[i] }
    }
}
