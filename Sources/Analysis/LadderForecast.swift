import Foundation
import Lab
import LawFitting
import ScalingLaws

/// The two laws judged by extrapolation inside a ladder (docs/science.md, §Back-tests: hold out the largest
/// budget, fit the rest, predict it), before anything beyond the ladder is forecast.
///
/// Approach 3 is refitted without the largest budget's runs and predicts each of them; the compute
/// frontier is refitted through the lower budgets' IsoFLOP minima and predicts the largest
/// budget's best (lowest) loss. Both are scored on that best run, the point a compute-optimal
/// forecast aims at, and their errors give the `ForecastCombination` weight.
public struct LadderBacktest: Sendable, Codable, Equatable {
    /// The held-out (largest) budget and its number of finished runs.
    public var budget: Double
    public var runs: Int
    /// Approach 3's mean |relative error| over the held-out runs, and its prediction of the best.
    public var approach3MeanAbsoluteError: Double?
    public var approach3BestRun: BacktestResult.Prediction?
    /// The frontier's relative error on the best run's loss.
    public var frontierBestRunError: Double?

    /// The back-test weight of approach 3 against the frontier; nil without both errors.
    public var combination: ForecastCombination? {
        approach3BestRun.flatMap { a in frontierBestRunError.flatMap { ForecastCombination(backtestErrors: a.relativeError, $0) } }
    }

    /// Back-tests on the finished runs of `sweep` (nil: every sweep) in `store`, with `analysis`
    /// its `StoreAnalysis` (for the IsoFLOP parabolas). A run's budget is its planned one, or its
    /// FLOPs for an imported run; the largest budget's runs are those within
    /// `options.budgetTolerance` of it (|ln C/C_top|, as `Approaches.isoFLOP` groups budgets).
    /// Nil when no finished run has either.
    public static func run(store: RunStore, sweep: Int64?, analysis: StoreAnalysisResult,
                           options: AnalysisOptions = AnalysisOptions()) throws -> LadderBacktest? {
        let tolerance = options.budgetTolerance, fitOptions = options.fitOptions(for: ChinchillaLaw())
        let budget = { (r: StoredRun) in r.budget ?? r.flops }
        let belowTop = { (C: Double, top: Double) in Foundation.log(top / C) > tolerance }
        let done = try store.runs(sweep: sweep).filter { $0.status == .done && $0.finalValidationLoss != nil && budget($0) != nil }
        guard let top = done.compactMap(budget).max() else { return nil }
        let topRuns = done.filter { !belowTop(budget($0)!, top) }
        var result = LadderBacktest(budget: top, runs: topRuns.count)
        // Approach 3 needs more points left than its 5 parameters: too few, or no start converging,
        // is "no back-test", not an error.
        do {
            let b = try Backtest.run(ChinchillaLaw(), data: FitData(try store.measurements(sweep: sweep)), holdout: topRuns.count,
                                     options: fitOptions)
            result.approach3MeanAbsoluteError = b.meanAbsoluteRelativeError
            result.approach3BestRun = b.predictions.min { $0.loss < $1.loss }
        } catch FitError.holdoutTooLarge, FitError.noConvergedStart {}
        let best = topRuns.compactMap(\.finalValidationLoss).min()!
        if let lower = IsoFLOPAnalysis.frontier(analysis.parabolas.filter { belowTop($0.compute, top) }) {
            result.frontierBestRunError = (lower.loss(compute: top) - best) / best
        }
        return result
    }
}

/// The forecast of one run's loss beyond the ladder by approach 3, by the compute frontier, and by
/// the two weighted by their back-tests, each with its 90% bootstrap interval (the noise
/// interval); approach 3's also with its form interval, the noise interval widened by the error of
/// its form in rolling back-tests over the ladder (`RollingBacktestResult.formInterval`); then,
/// once the run is trained, each one's error.
public struct LadderForecast: Sendable, Codable, Equatable {
    /// The run forecast: its N, D and budget C.
    public var parameters: Double
    public var tokens: Double
    public var compute: Double
    /// Approach 3's `L(N, D)` and the frontier's `L*(C)` (nil without a frontier).
    public var approach3: Double
    /// Approach 3's noise interval: the bootstrap percentile interval of its loss.
    public var approach3Interval: [Double]?
    /// Approach 3's form interval; nil without a bootstrap or a rolling back-test step.
    public var approach3FormInterval: [Double]?
    /// Why approach 3 has no form interval (too few budgets), when it has a noise interval but none.
    public var approach3FormNote: String?
    public var frontier: Double?
    public var frontierInterval: [Double]?
    /// The back-test weighted forecast (nil without both back-tests and a frontier).
    public var combination: ForecastCombination?
    public var combined: Double?
    public var combinedInterval: [Double]?

    /// Forecasts for a run of N parameters on D tokens at budget C, from the ladder's `analysis`
    /// and its `backtest`; nil without an approach-3 fit.
    public init?(analysis: StoreAnalysisResult, backtest: LadderBacktest?, parameters N: Double, tokens D: Double, compute C: Double) {
        guard let law = analysis.approach3 else { return nil }
        (parameters, tokens, compute) = (N, D, C)
        approach3 = law.loss(parameters: N, tokens: D)
        approach3Interval = analysis.approach3LossInterval(parameters: N, tokens: D)
        approach3FormInterval = analysis.approach3FormInterval(parameters: N, tokens: D, compute: C)
        if approach3Interval != nil, approach3FormInterval == nil {
            approach3FormNote = analysis.approach3Rolling?.missingFormReason
                ?? "no rolling back-test (more than \(RollingBacktest.maxBudgets) budgets), so no form interval"
        }
        frontier = analysis.frontier?.loss(compute: C)
        frontierInterval = analysis.frontier?.lossInterval(compute: C)
        combination = frontier == nil ? nil : backtest?.combination
        if let c = combination, let f = frontier {
            combined = c.combine(approach3, f)
            if let a = approach3Interval, let b = frontierInterval { combinedInterval = c.combine(interval: a, b) }
        }
    }

    /// `(forecast − measured)/measured` of each forecast, and whether its interval holds `measured`.
    public func errors(measured: Double) -> Errors {
        func error(_ f: Double) -> Double { (f - measured) / measured }
        func holds(_ i: [Double]?) -> Bool? { i.map { measured >= $0[0] && measured <= $0[1] } }
        return Errors(measured: measured, approach3: error(approach3), approach3Inside: holds(approach3Interval),
                      approach3InsideForm: holds(approach3FormInterval),
                      frontier: frontier.map(error), frontierInside: holds(frontierInterval),
                      combined: combined.map(error), combinedInside: holds(combinedInterval))
    }

    /// Each forecast's relative error against the measured loss.
    public struct Errors: Sendable, Codable, Equatable {
        public var measured: Double
        public var approach3: Double
        public var approach3Inside: Bool?
        /// Whether approach 3's form interval holds the measured loss (nil without one).
        public var approach3InsideForm: Bool?
        public var frontier: Double?
        public var frontierInside: Bool?
        public var combined: Double?
        public var combinedInside: Bool?

        /// Whether the measured loss lies between the approach-3 and frontier forecasts.
        public var bracketed: Bool? { frontier.map { min($0, approach3) <= 0 && max($0, approach3) >= 0 } }
    }
}
