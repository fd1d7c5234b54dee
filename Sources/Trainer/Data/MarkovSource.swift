import Foundation

/// A synthetic byte source with a known entropy rate: a seeded random k-th order Markov chain
/// over an alphabet of A symbols (the bytes "a", "b", …).
///
/// Each of the A^k contexts gets its own next-symbol distribution `p ∝ u^sharpness` with
/// u uniform, so larger `sharpness` gives lower entropy. The entropy rate is exact:
/// `H = Σ_s π(s)·H(p(·|s))` nats/symbol, with π the stationary distribution of the context
/// chain (found by power iteration). A model's cross-entropy on this source can approach H
/// from above but not go below it, except by sampling noise on a finite validation set.
public struct MarkovSource: Sendable {
    public let order: Int
    public let alphabet: Int
    /// Row-major (A^k, A) transition probabilities.
    public let transitions: [Double]
    public let entropyRate: Double
    private let cumulative: [Double]

    public init(order k: Int, alphabet A: Int, sharpness: Double = 3, seed: UInt64) {
        precondition(k >= 1 && A >= 2 && A <= 256, "order ≥ 1 and 2 ≤ alphabet ≤ 256, got \(k), \(A)")
        order = k
        alphabet = A
        var rng = SeededGenerator(seed: seed)
        let S = Int(pow(Double(A), Double(k)))
        var t = [Double](repeating: 0, count: S * A)
        for s in 0..<S {
            var z = 0.0
            for a in 0..<A { let w = pow(rng.nextUnit() + 1e-3, sharpness); t[s * A + a] = w; z += w }
            for a in 0..<A { t[s * A + a] /= z }
        }
        transitions = t
        cumulative = (0..<S).flatMap { s in (0..<A).map { a in t[(s * A)...(s * A + a)].reduce(0, +) } }
        // Stationary distribution of the context chain: context s = (x1 … xk) → (x2 … xk, a).
        var pi = [Double](repeating: 1 / Double(S), count: S)
        for _ in 0..<2000 {
            var next = [Double](repeating: 0, count: S)
            for s in 0..<S where pi[s] > 0 {
                for a in 0..<A { next[(s * A + a) % S] += pi[s] * t[s * A + a] }
            }
            pi = next
        }
        entropyRate = (0..<S).reduce(0) { h, s in
            h + pi[s] * (0..<A).reduce(0) { e, a in let p = t[s * A + a]; return p > 0 ? e - p * log(p) : e }
        }
    }

    /// `count` bytes from the chain, starting from a random context of the given seed.
    public func generate(count n: Int, seed: UInt64) -> Corpus {
        var rng = SeededGenerator(seed: seed)
        let S = cumulative.count / alphabet
        var s = rng.nextInt(below: S)
        var out = [UInt8](repeating: 0, count: n)
        for i in 0..<n {
            let u = rng.nextUnit()
            var a = 0
            while a < alphabet - 1 && u >= cumulative[s * alphabet + a] { a += 1 }
            out[i] = UInt8(truncatingIfNeeded: 97 + a)   // "a", "b", … so the corpus is printable
            s = (s * alphabet + a) % S
        }
        return Corpus(bytes: out, source: "markov(order: \(order), alphabet: \(alphabet), H: \(entropyRate) nats)")
    }
}
