/// The random stream of one sample: xoshiro256** seeded through SplitMix64 from
/// `(seed, sample index)`.
///
/// Each sample owns its stream, so what it draws never depends on which other samples
/// share its batch or in which order rows are served (DESIGN.md §4). The derivation is
/// part of the reproducibility contract: `s = splitmix64(seed)`, then the four words of
/// xoshiro's state are the next four outputs of SplitMix64 started at
/// `s ^ (index · 0xD1B54A32D192ED03) ^ (candidate · 0x9FB21C651E98DF25)`, where the
/// candidate (best-of) is 0 for a plain sample. A uniform draw uses the top 53 bits.
public struct SampleRandom: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// The stream for candidate `candidate` (0-based) of sample `index` (0-based) of a
    /// request with `seed`; candidate 0 is the sample's own stream, so that best-of 1 is
    /// plain sampling.
    public init(seed: UInt64, index: Int, candidate: Int = 0) {
        var mixer = SplitMix64(state: seed)
        var stream = SplitMix64(
            state: mixer.next() ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
                ^ (UInt64(truncatingIfNeeded: candidate) &* 0x9FB2_1C65_1E98_DF25))
        s0 = stream.next()
        s1 = stream.next()
        s2 = stream.next()
        s3 = stream.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The generator's four state words, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator restored from `state` (four words, not all zero).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    /// A uniform draw from [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64, the standard seeder for the xoshiro family; also a small, fast generator
/// on its own where one 64-bit state is enough (the pluck's noise burst).
public struct SplitMix64: Sendable {
    /// The whole state: the generator's output is a function of it alone.
    public var state: UInt64

    /// A generator starting at `state`.
    public init(state: UInt64) { self.state = state }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
