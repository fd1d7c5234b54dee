import Foundation
import LawFitting
import Trainer

/// A forecast of a task's smooth metric at a compute no run has reached: the smooth law
/// `−ln p = E + A·C^(−α)` fitted on a ladder and evaluated at `compute`, and the exact match
/// it implies, `p^ℓ` (docs/science.md, §Emergence and the metric).
public struct EmergenceForecast: Sendable, Codable, Equatable {
    /// The compute forecast for, in FLOPs.
    public var compute: Double
    /// The smooth metric the law was fitted to (`token_probability` or `answer_bits`).
    public var smoothMetric: String
    /// The answer length ℓ.
    public var length: Int
    /// The forecast per-character probability p.
    public var p: Double
    /// Its bootstrap percentile interval (nil without bootstrap).
    public var pInterval: [Double]?
    /// `p^ℓ`, the exact match the smooth law implies.
    public var exactMatch: Double
    /// `[low^ℓ, high^ℓ]` of `pInterval`.
    public var exactMatchInterval: [Double]?
    /// The law fitted on the ladder.
    public var law: EmergenceAnalysis.SmoothLaw
}

extension EmergenceAnalysis {
    /// Fits the smooth law to `runs` and forecasts p and `p^ℓ` at `compute`.
    ///
    /// - Parameters:
    ///   - runs: The ladder's runs; runs without the smooth metric, or at its perfect value, are left out.
    ///   - task: The task's name, for errors.
    ///   - length: The answer length ℓ (at least 1).
    ///   - compute: Where to forecast, in FLOPs (positive and finite).
    ///   - smoothMetric: As for `run`; nil takes the first smooth metric a run has.
    ///   - options: Bootstrap resamples, level, seed and fit options.
    /// - Throws: As `run`, and `AnalysisError.badOption` for a compute that is not a positive number.
    public static func forecast(runs: [TaskRunMetrics], task: String, length: Int, compute: Double, smoothMetric: String? = nil,
                                options: AnalysisOptions = AnalysisOptions()) throws -> EmergenceForecast {
        guard length >= 1 else { throw AnalysisError.badOption("the answer length must be at least 1 character, got \(length)") }
        guard compute > 0, compute.isFinite else {
            throw AnalysisError.badOption("the compute to forecast at must be a positive number of FLOPs, got \(compute)")
        }
        let metric = try chooseMetric(smoothMetric, runs: runs, task: task)
        let usable = runs.filter { $0.metrics[metric] != nil && !isPerfect($0, metric: metric) }
        guard usable.count >= 4 else {
            throw AnalysisError.badOption("the smooth law has 3 parameters and needs at least 4 runs with \(metric) "
                + "for task \(task), got \(usable.count); add runs to the ladder")
        }
        let u = try usable.map { try negativeLogP($0, metric: metric, length: length) }
        let curve = try fitted { try SmoothTaskCurve(compute: usable.map(\.compute), negativeLogP: u, options: options) }
        let (p, interval) = curve.probability(compute, level: options.level)
        let ell = Double(length)
        return EmergenceForecast(compute: compute, smoothMetric: metric, length: length, p: p, pInterval: interval,
                                 exactMatch: Foundation.pow(p, ell),
                                 exactMatchInterval: interval.map { $0.map { Foundation.pow($0, ell) } },
                                 law: curve.summary(level: options.level))
    }
}
