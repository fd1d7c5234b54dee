import RealModule

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seedable generator; the one definition
/// in ScaleLab. LawFitting's bootstrap draws from it directly (each sample derives its own
/// generator from (seed, sample index), so results do not depend on threads); the trainer's
/// `SeededGenerator` seeds its xoshiro256** state from its first four outputs.
///
/// Its streams are fixed by known-answer tests (LawFittingTests/RandomTests,
/// TrainerTests/SeededGeneratorTests): bootstrap intervals and training losses depend on them bitwise.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for stream `index` of `seed`, independent of the others.
    public init(seed: UInt64, stream index: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* (index &+ 1)))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal deviate (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }
}
