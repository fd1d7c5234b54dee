import Foundation
import LawFitting
import ScalingLaws
import Trainer

/// Emergence on one task of a ladder, as Schaeffer et al. 2023 (arXiv:2304.15004) explain it: the
/// per-character probability p of the right answer improves smoothly with compute, and exact
/// match on an answer of ℓ characters, about `p^ℓ`, jumps only because the metric is sharp.
///
/// 1. The smooth law `−ln p = E + A·C^(−α)` is fitted to p (from `token_probability`, or from
///    `answer_bits` as `p = 2^(−bits/ℓ)`), with bootstrap intervals. Measured exact match is not
///    read by this step.
/// 2. Exact match is predicted from it, `EM ≈ p(C)^ℓ`, at every run, with the refits' interval,
///    and only then set beside the measured exact match: per-run errors and a summary.
/// 3. The sharpness of p, of the predicted and of the measured exact match (`Sharpness`).
/// 4. Break detection (`BreakDetection`) on the smooth curve `−ln p` and on the error rate
///    `1 − EM`: a broken power law against none.
/// 5. A back-test: the smooth law fitted without the largest runs forecasts their p, and `p^ℓ`
///    their exact match, each with its interval and whether it covers the measured value.
public struct EmergenceAnalysis: Sendable, Codable, Equatable {
    /// The smooth law in compute's own units, with its intervals.
    public struct SmoothLaw: Sendable, Codable, Equatable {
        /// The per-character loss `−ln p` left at infinite compute.
        public var E: Double
        /// The scale of the reducible part, `A·C^(−α)` with C in FLOPs.
        public var A: Double
        /// The exponent.
        public var alpha: Double
        /// Bootstrap percentile intervals of `E`, `A`, `alpha`; nil without refits.
        public var intervals: [String: [Double]]?
        /// Runs fitted.
        public var points: Int
        /// Root mean square of the log residuals of `−ln p`.
        public var rmseLog: Double
        /// Bootstrap refits that succeeded.
        public var refits: Int
        /// How the fit ended.
        public var status: String
    }

    /// One run: its p, the law's p, exact match predicted from the law and measured.
    public struct Row: Sendable, Codable, Equatable {
        /// The run's name, if the input has one.
        public var run: String?
        /// Compute in FLOPs.
        public var compute: Double
        /// The measured per-character probability.
        public var p: Double
        /// The smooth law's p at this compute.
        public var fittedP: Double
        /// `fittedP^ℓ`.
        public var predictedExactMatch: Double
        /// The refits' percentile interval of the predicted exact match; nil without refits.
        public var interval: [Double]?
        /// The measured exact match; nil when the run has none.
        public var exactMatch: Double?
        /// `predicted − measured` exact match.
        public var error: Double?
        /// Whether the interval contains the measured exact match.
        public var covered: Bool?
    }

    /// The predicted exact match against the measured one, over the runs that have both.
    public struct Summary: Sendable, Codable, Equatable {
        /// Runs with a measured exact match.
        public var scored: Int
        /// Mean of `|predicted − measured|`.
        public var meanAbsoluteError: Double
        /// The largest `|predicted − measured|`.
        public var maxAbsoluteError: Double
        /// Runs whose interval contains the measured value; nil without intervals.
        public var covered: Int?
    }

    /// The sharpness of each curve over the ladder.
    public struct Curves: Sendable, Codable, Equatable {
        /// Of the measured p.
        public var p: Sharpness?
        /// Of the exact match predicted from p.
        public var predictedExactMatch: Sharpness?
        /// Of the measured exact match; nil without one.
        public var exactMatch: Sharpness?
    }

    /// Break detection on the smooth curve and on the exact-match error rate.
    public struct Breaks: Sendable, Codable, Equatable {
        /// On `−ln p` against compute.
        public var smooth: BreakDetection?
        /// On `1 − EM` against compute (runs with EM < 1).
        public var exactMatchError: BreakDetection?
    }

    /// A forecast of one held-out run.
    public struct Forecast: Sendable, Codable, Equatable {
        /// The run's name, if the input has one.
        public var run: String?
        /// Compute in FLOPs.
        public var compute: Double
        /// The measured p and its forecast, interval, relative error and coverage.
        public var p: Double
        /// The smooth law's forecast of p, fitted without the held-out runs.
        public var forecastP: Double
        /// Its bootstrap percentile interval; nil without refits.
        public var pInterval: [Double]?
        /// `(forecast − measured)/measured` of p.
        public var pRelativeError: Double
        /// Whether `pInterval` contains the measured p.
        public var pCovered: Bool?
        /// The measured exact match; nil when the run has none.
        public var exactMatch: Double?
        /// `forecastP^ℓ`.
        public var forecastExactMatch: Double
        /// `[low^ℓ, high^ℓ]` of `pInterval`.
        public var exactMatchInterval: [Double]?
        /// `forecast − measured` exact match.
        public var exactMatchError: Double?
        /// Whether `exactMatchInterval` contains the measured exact match.
        public var exactMatchCovered: Bool?
    }

    /// The back-test: the law fitted on the smaller runs, and its forecasts of the largest.
    public struct Backtest: Sendable, Codable, Equatable {
        /// The law fitted without the held-out runs.
        public var law: SmoothLaw
        /// One forecast per held-out run, smallest compute first.
        public var forecasts: [Forecast]
    }

    /// The task analysed.
    public var task: String
    /// The answer length ℓ in characters.
    public var length: Int
    /// The metric p was read from: `token_probability` or `answer_bits`.
    public var smoothMetric: String
    /// The central mass of every interval.
    public var level: Double
    /// The smooth law fitted to every run.
    public var law: SmoothLaw
    /// Every run with p, smallest compute first.
    public var rows: [Row]
    /// Nil when no run has a measured exact match.
    public var summary: Summary?
    /// The sharpness of each curve.
    public var sharpness: Curves
    /// The breaks (each nil with too few runs, see `notes`).
    public var breaks: Breaks
    /// Nil with too few runs to leave one out (see `notes`).
    public var backtest: Backtest?
    /// What was left out and why.
    public var notes: [String]
}

extension EmergenceAnalysis {
    /// The metrics the smooth law can be fitted to, in order of preference.
    public static var smoothMetrics: [String] { [TaskMetric.tokenProbability, TaskMetric.answerBits] }

    /// Analyses `task` over `runs` for an answer of `length` characters.
    ///
    /// - Parameters:
    ///   - runs: The ladder's runs with their metrics for this task; runs without the smooth
    ///     metric are left out (and named in `notes`).
    ///   - task: The task's name, for the output.
    ///   - length: The answer length ℓ in characters (at least 1).
    ///   - smoothMetric: `token_probability` or `answer_bits`; nil takes the first of them any run has.
    ///   - options: Bootstrap resamples, level and seed, the number of runs the back-test holds
    ///     out (`holdout`, default 1) and the fit options.
    ///   - detectBreaks: Whether to run break detection; false skips its two broken-power-law
    ///     fits and their bootstraps, the slowest step (`breaks` is then empty).
    /// - Throws: `AnalysisError.badOption` when the length, the metric or a value cannot be used,
    ///   or fewer than 4 runs have the smooth metric; `AnalysisError.fit` when the law cannot be fitted.
    public static func run(runs: [TaskRunMetrics], task: String, length: Int, smoothMetric: String? = nil,
                           options: AnalysisOptions = AnalysisOptions(), detectBreaks: Bool = true) throws -> EmergenceAnalysis {
        guard length >= 1 else { throw AnalysisError.badOption("--length must be at least 1 character, got \(length)") }
        let metric = try chooseMetric(smoothMetric, runs: runs, task: task)
        var notes: [String] = []
        let measured = runs.filter { $0.metrics[metric] != nil }
        let skipped = runs.count - measured.count
        if skipped > 0 { notes.append("\(skipped) run\(skipped == 1 ? "" : "s") without \(metric) left out") }
        // A run that is always right to the evaluator's precision (p = 1, 0 bits) has no −ln p to
        // fit in log space: it is left out with a note, not an error for the whole ladder.
        let usable = measured.filter { !isPerfect($0, metric: metric) }.sorted { $0.compute < $1.compute }
        if usable.count < measured.count {
            let k = measured.count - usable.count
            notes.append("\(k) run\(k == 1 ? "" : "s") with \(metric) at its perfect value (p = 1) left out: −ln p = 0 cannot be fitted in log space")
        }
        let C = usable.map(\.compute)
        let u = try usable.map { try negativeLogP($0, metric: metric, length: length) }
        guard usable.count >= 4 else {
            throw AnalysisError.badOption("the smooth law has 3 parameters and needs at least 4 runs with \(metric) "
                + "for task \(task), got \(usable.count); add runs to the ladder")
        }
        let level = options.level
        let curve = try fitted { try SmoothTaskCurve(compute: C, negativeLogP: u, options: options) }
        let rows = usable.indices.map { i -> Row in
            let (fp, interval) = curve.probability(C[i], level: level)
            let predicted = Foundation.pow(fp, Double(length))
            let emInterval = interval.map { $0.map { Foundation.pow($0, Double(length)) } }
            let measured = usable[i].metrics[TaskMetric.exactMatch]
            return Row(run: usable[i].run, compute: C[i], p: Foundation.exp(-u[i]), fittedP: fp,
                       predictedExactMatch: predicted, interval: emInterval, exactMatch: measured,
                       error: measured.map { predicted - $0 },
                       covered: measured.flatMap { m in emInterval.map { $0[0] <= m && m <= $0[1] } })
        }
        let sharpness = Curves(p: Sharpness(compute: C, values: rows.map(\.p)),
                               predictedExactMatch: Sharpness(compute: C, values: rows.map(\.predictedExactMatch)),
                               exactMatch: rows.contains { $0.exactMatch != nil }
                                   ? Sharpness(compute: rows.compactMap { $0.exactMatch == nil ? nil : $0.compute },
                                               values: rows.compactMap(\.exactMatch)) : nil)
        let breaks = try detectBreaks ? Self.detectBreaks(rows: rows, u: u, options: options, notes: &notes)
            : Breaks(smooth: nil, exactMatchError: nil)
        let backtest = try backtest(usable: usable, C: C, u: u, length: length, options: options, notes: &notes)
        return EmergenceAnalysis(task: task, length: length, smoothMetric: metric, level: level,
                                 law: curve.summary(level: level), rows: rows, summary: summary(rows),
                                 sharpness: sharpness, breaks: breaks, backtest: backtest, notes: notes)
    }

    /// The smooth metric to read: the one asked for, or the first of `token_probability`,
    /// `answer_bits` that a run has.
    static func chooseMetric(_ asked: String?, runs: [TaskRunMetrics], task: String) throws -> String {
        let smooth = smoothMetrics
        if let asked {
            guard smooth.contains(asked) else {
                throw AnalysisError.badOption("the smooth metric must be \(smooth.joined(separator: " or ")), got '\(asked)'")
            }
            return asked
        }
        guard let found = smooth.first(where: { m in runs.contains { $0.metrics[m] != nil } }) else {
            throw AnalysisError.badOption("no run of task \(task) has \(smooth.joined(separator: " or ")), "
                + "the smooth metric the analysis fits; record it with the task's evaluation")
        }
        return found
    }

    /// Whether a run's smooth metric is exactly perfect: `token_probability` 1 or `answer_bits` 0.
    static func isPerfect(_ r: TaskRunMetrics, metric: String) -> Bool {
        guard let v = r.metrics[metric] else { return false }
        return metric == TaskMetric.answerBits ? v == 0 : v == 1
    }

    /// `−ln p` of a run: `−ln token_probability`, or `answer_bits·ln 2/ℓ`.
    static func negativeLogP(_ r: TaskRunMetrics, metric: String, length: Int) throws -> Double {
        let v = r.metrics[metric]!, name = r.run.map { "run \($0)" } ?? "the run at C = \(String(format: "%g", r.compute))"
        guard r.compute > 0, r.compute.isFinite else {
            throw AnalysisError.badOption("\(name) has compute \(r.compute); it must be a positive number of FLOPs")
        }
        if metric == TaskMetric.answerBits {
            guard v > 0, v.isFinite else {
                throw AnalysisError.badOption("\(name) has \(metric) \(v); the smooth law needs a positive, finite number of bits")
            }
            return v * Foundation.log(2) / Double(length)
        }
        guard v > 0, v < 1 else {
            throw AnalysisError.badOption("\(name) has \(metric) \(v); the smooth law fits −ln p and needs 0 < p < 1")
        }
        return -Foundation.log(v)
    }

    /// Runs `body`, turning a fit's error into `AnalysisError.fit`.
    static func fitted<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as AnalysisError { throw error } catch { throw AnalysisError.fit("\(error)") }
    }

    static func summary(_ rows: [Row]) -> Summary? {
        let errors = rows.compactMap(\.error).map(abs)
        guard !errors.isEmpty else { return nil }
        let judged = rows.compactMap(\.covered)
        return Summary(scored: errors.count, meanAbsoluteError: errors.reduce(0, +) / Double(errors.count),
                       maxAbsoluteError: errors.max()!, covered: judged.isEmpty ? nil : judged.filter { $0 }.count)
    }

    /// Break detection on `−ln p` and on `1 − EM`; each skipped, with a note, when it has too few runs.
    static func detectBreaks(rows: [Row], u: [Double], options: AnalysisOptions, notes: inout [String]) throws -> Breaks {
        let boot = options.bootstrap > 0 ? options.bootstrapOptions : nil
        func detect(_ x: [Double], _ y: [Double], _ what: String) throws -> BreakDetection? {
            guard x.count >= BreakDetection.minimumPoints else {
                notes.append("no break detection on \(what): it needs \(BreakDetection.minimumPoints) runs, has \(x.count)")
                return nil
            }
            return try fitted { try BreakDetection.run(x: x, y: y, variable: .compute, bootstrap: boot,
                                                       options: options.fit) }
        }
        let smooth = try detect(rows.map(\.compute), u, "−ln p")
        let scored = rows.filter { ($0.exactMatch ?? 1) < 1 }
        var error: BreakDetection? = nil
        if rows.contains(where: { $0.exactMatch != nil }) {
            error = try detect(scored.map(\.compute), scored.map { 1 - $0.exactMatch! }, "1 − exact match")
        }
        return Breaks(smooth: smooth, exactMatchError: error)
    }

    /// The smooth law fitted without the `options.holdout` (default 1) largest runs, forecasting them.
    static func backtest(usable: [TaskRunMetrics], C: [Double], u: [Double], length: Int, options: AnalysisOptions,
                         notes: inout [String]) throws -> Backtest? {
        let k = options.holdout ?? 1
        guard usable.count - k >= 4 else {
            notes.append("no back-test: holding out \(k) of \(usable.count) runs leaves fewer than the 4 the smooth law needs")
            return nil
        }
        let n = usable.count - k
        let curve = try fitted { try SmoothTaskCurve(compute: Array(C.prefix(n)), negativeLogP: Array(u.prefix(n)), options: options) }
        let ell = Double(length)
        let forecasts = (n..<usable.count).map { i -> Forecast in
            let (fp, interval) = curve.probability(C[i], level: options.level)
            let p = Foundation.exp(-u[i]), em = usable[i].metrics[TaskMetric.exactMatch]
            let emInterval = interval.map { $0.map { Foundation.pow($0, ell) } }
            let forecastEM = Foundation.pow(fp, ell)
            return Forecast(run: usable[i].run, compute: C[i], p: p, forecastP: fp, pInterval: interval,
                            pRelativeError: (fp - p) / p, pCovered: interval.map { $0[0] <= p && p <= $0[1] },
                            exactMatch: em, forecastExactMatch: forecastEM, exactMatchInterval: emInterval,
                            exactMatchError: em.map { forecastEM - $0 },
                            exactMatchCovered: em.flatMap { m in emInterval.map { $0[0] <= m && m <= $0[1] } })
        }
        return Backtest(law: curve.summary(level: options.level), forecasts: forecasts)
    }
}
