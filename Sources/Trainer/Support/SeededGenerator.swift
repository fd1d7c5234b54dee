import Foundation
import ScalingLaws

/// A seeded pseudo-random generator whose whole state is four words, so it can be checkpointed.
///
/// xoshiro256** (Blackman & Vigna 2018, arXiv:1805.01407), seeded through SplitMix64 so that
/// nearby seeds give unrelated streams. Never seeded from the clock: every run names its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<n (n > 0), by rejection so every value is equally likely.
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "nextInt(below:) needs n > 0, got \(n)")
        return Int(truncatingIfNeeded: UInt64.random(in: 0..<UInt64(n), using: &self))
    }

    /// Standard normal by Box–Muller; draws two uniforms and keeps no cached value,
    /// so the state stays exactly four words.
    public mutating func nextGaussian() -> Double {
        let u1 = 1.0 - nextUnit()        // (0, 1]
        let u2 = nextUnit()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }
}
