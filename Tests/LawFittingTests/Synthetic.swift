import Foundation
import LawFitting
import ScalingLaws

/// Synthetic measurements from known parameters with multiplicative log-normal noise.
enum Synthetic {
    /// An IsoFLOP-style grid: `budgets` compute levels log-spaced in [cLow, cHigh], `sizes` model
    /// sizes per budget spanning ±`spread` decades around the law's compute-optimal N.
    static func isoFLOP(_ truth: ChinchillaParameters, budgets: Int = 8, sizes: Int = 30,
                        cLow: Double = 6e18, cHigh: Double = 3e22, spread: Double = 1.2,
                        noise sigma: Double, seed: UInt64) -> [Observation] {
        var rng = SplitMix64(seed: seed)
        var out: [Observation] = []
        for i in 0..<budgets {
            let C = cLow * pow10(Double(i) / Double(max(budgets - 1, 1)) * log10(cHigh / cLow))
            let nOpt = truth.optimalParameters(compute: C)
            for j in 0..<sizes {
                let offset = -spread + 2 * spread * Double(j) / Double(max(sizes - 1, 1))
                let N = nOpt * pow10(offset)
                let D = C / (6 * N)
                let L = truth.loss(parameters: N, tokens: D) * exp(sigma * rng.nextGaussian())
                out.append(Observation(parameters: N, tokens: D, compute: C, loss: L))
            }
        }
        return out
    }

    static func pow10(_ x: Double) -> Double { exp(x * log(10.0)) }
}

/// The published constants used across tests (docs/science.md, §Published constants).
enum Published {
    static let epoch2024 = ChinchillaParameters(E: 1.82, A: 482, B: 2085, alpha: 0.348, beta: 0.366)
    static let hoffmann2022 = ChinchillaParameters(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)
    /// Muennighoff et al. 2023, C4: E, A, B, alpha, beta, R_D*, R_N*.
    static let muennighoffC4: [Double] = [
        exp(0.6254804), exp(6.255414), exp(7.3049974), 0.3526596, 0.3526596, 15.387756, 5.309743,
    ]
}
