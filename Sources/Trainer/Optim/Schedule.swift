import Foundation

/// Linear warm-up, then cosine decay to a fraction of the peak, over exactly the run's steps.
///
/// For step s = 0 … S−1 with W warm-up steps and peak η:
/// `η(s) = η·(s+1)/W` for s < W, else `η·(f + (1−f)·½(1 + cos(π·p)))` with
/// `p = (s − W)/(S − 1 − W)`, so the last step runs at exactly f·η (f = 0.1). Matching the
/// decay to each run's own length is one of the four corrections of Porian et al. 2024
/// (arXiv:2406.19146) that turn Kaplan's exponent into Chinchilla's.
public struct LearningRateSchedule: Sendable, Codable, Equatable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var finalFraction: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, finalFraction: Double = 0.1) {
        precondition(totalSteps >= 1 && warmupSteps >= 0, "schedule needs totalSteps ≥ 1, warmupSteps ≥ 0; got \(totalSteps), \(warmupSteps)")
        self.peak = peak
        self.warmupSteps = min(warmupSteps, totalSteps)
        self.totalSteps = totalSteps
        self.finalFraction = finalFraction
    }

    public func rate(atStep s: Int) -> Double {
        if s < warmupSteps { return peak * Double(s + 1) / Double(warmupSteps) }
        let span = totalSteps - 1 - warmupSteps
        let p = span > 0 ? min(1, Double(s - warmupSteps) / Double(span)) : 1
        return peak * (finalFraction + (1 - finalFraction) * 0.5 * (1 + cos(Double.pi * p)))
    }
}
