import Foundation
import LawFitting
import ScalingLaws

/// One run of a ladder as the emergence analysis sees it: its compute and its task metrics, by
/// `TaskMetric` name (`exact_match`, `token_probability`, `answer_bits`, …).
public struct TaskRunMetrics: Sendable, Codable, Equatable {
    /// The run's name or id, for tables; nil when the input has none.
    public var run: String?
    /// Training compute C in FLOPs (6·N·D when only N and D are known).
    public var compute: Double
    /// The task's metrics at the end of the run, by name.
    public var metrics: [String: Double]

    /// A run with its compute and metrics.
    public init(run: String? = nil, compute: Double, metrics: [String: Double]) {
        self.run = run
        self.compute = compute
        self.metrics = metrics
    }
}

/// How sharply a curve over a ladder rises or falls: its largest step between adjacent rungs and
/// the compute over which it crosses most of its range. An emergent-looking curve has one large
/// step and a narrow width; a smooth one spreads its change over the whole ladder.
public struct Sharpness: Sendable, Codable, Equatable {
    /// `max − min` of the curve over the ladder.
    public var range: Double
    /// The largest `|y(i+1) − y(i)|` between adjacent rungs (sorted by compute).
    public var largestStep: Double
    /// `largestStep / range`: 1 for a single jump, `1/(rungs − 1)` for a straight line.
    public var largestStepShare: Double
    /// The compute of the rung before the largest step.
    public var stepFrom: Double
    /// The compute of the rung after the largest step.
    public var stepTo: Double
    /// Decades of compute (log10 C) between the first crossings of 10% and 90% of the range,
    /// the curve taken as linear in log C between rungs, in the direction it moves; nil when the
    /// range is zero.
    public var decades10to90: Double?

    /// The sharpness of `y` over the rungs `compute` (any order); nil with fewer than 2 rungs.
    public init?(compute: [Double], values: [Double]) {
        let order = compute.indices.filter { compute[$0] > 0 && values[$0].isFinite }.sorted { compute[$0] < compute[$1] }
        guard order.count >= 2 else { return nil }
        let t = order.map { log10(compute[$0]) }, y = order.map { values[$0] }
        let lo = y.min()!, hi = y.max()!
        range = hi - lo
        var best = 0
        for i in 1..<y.count where abs(y[i] - y[i - 1]) > abs(y[best + 1] - y[best]) { best = i - 1 }
        largestStep = abs(y[best + 1] - y[best])
        largestStepShare = range > 0 ? largestStep / range : 0
        stepFrom = compute[order[best]]
        stepTo = compute[order[best + 1]]
        guard range > 0 else { decades10to90 = nil; return }
        // Progress from the side the curve starts on: 0 at that end of the range, 1 at the other.
        let rising = y.last! >= y.first!
        let progress = y.map { rising ? ($0 - lo) / range : (hi - $0) / range }
        func crossing(_ level: Double) -> Double? {
            if progress[0] >= level { return t[0] }
            for i in 1..<progress.count where progress[i] >= level {
                let f = (level - progress[i - 1]) / (progress[i] - progress[i - 1])
                return t[i - 1] + f * (t[i] - t[i - 1])
            }
            return nil
        }
        decades10to90 = crossing(0.1).flatMap { a in crossing(0.9).map { $0 - a } }
    }
}

/// The smooth law of a task's per-character probability p against compute,
/// `−ln p = E + A·C^(−α)`: ScaleLab's saturating power law (`power-c`) fitted to `−ln p`, with
/// its bootstrap refits. `E` is the per-character loss left at infinite compute; `exp(−E)` the
/// best p the law allows.
struct SmoothTaskCurve {
    /// Compute is divided by this (the smallest fitted) before fitting, so the start grids see 1 upwards.
    let reference: Double
    /// `E, A', α` of `−ln p = E + A'·(C/reference)^(−α)`.
    let parameters: [Double]
    /// The same for each bootstrap refit.
    let refits: [[Double]]
    let fit: LawFit

    /// Fits `−ln p` against `compute` with `options` (least squares on log residuals unless
    /// `options.fit.objective` says otherwise).
    init(compute: [Double], negativeLogP: [Double], options: AnalysisOptions) throws {
        let formula = SaturatingPowerLaw(variable: .compute)
        let reference = compute.min()!
        self.reference = reference
        let data = FitData(zip(compute, negativeLogP).map { Observation(compute: $0 / reference, loss: $1) })
        var fitOptions = options.fitOptions(for: formula)
        fitOptions.objective = options.fit.objective ?? .leastSquares
        let fit = try LawFitter.fit(formula, to: data, options: fitOptions)
        self.fit = fit
        parameters = fit.parameters
        if options.bootstrap > 0 {
            refits = try Bootstrap.run(fit, data: data, options: options.bootstrapOptions, fitOptions: fitOptions).samples
        } else {
            refits = []
        }
    }

    /// `−ln p` at compute `C` for parameters `q` (default: the fit's).
    func negativeLogP(_ C: Double, _ q: [Double]? = nil) -> Double {
        let q = q ?? parameters
        return q[0] + q[1] * Foundation.pow(C / reference, -q[2])
    }

    /// The fitted p at `C`, and its bootstrap percentile interval at `level` (nil without refits).
    func probability(_ C: Double, level: Double) -> (value: Double, interval: [Double]?) {
        let interval = refits.isEmpty ? nil
            : BootstrapResult.percentileInterval(refits.map { Foundation.exp(-negativeLogP(C, $0)) }, level: level)
        return (Foundation.exp(-negativeLogP(C)), interval)
    }

    /// The law in C's own units: `E`, `A = A'·reference^α`, `α`, with percentile intervals.
    func summary(level: Double) -> EmergenceAnalysis.SmoothLaw {
        func natural(_ q: [Double]) -> [String: Double] {
            ["E": q[0], "A": q[1] * Foundation.pow(reference, q[2]), "alpha": q[2]]
        }
        var intervals: [String: [Double]]? = nil
        if !refits.isEmpty {
            let all = refits.map(natural)
            intervals = [:]
            for name in ["E", "A", "alpha"] {
                intervals![name] = BootstrapResult.percentileInterval(all.compactMap { $0[name] }, level: level)
            }
        }
        let p = natural(parameters)
        return .init(E: p["E"]!, A: p["A"]!, alpha: p["alpha"]!, intervals: intervals, points: fit.points,
                     rmseLog: fit.rmseLog, refits: refits.count, status: fit.message)
    }
}
