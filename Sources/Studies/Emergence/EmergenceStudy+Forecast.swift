import Analysis
import Foundation
import Lab
import LawFitting
import ScalingLaws
import Trainer

extension EmergenceStudy {
    /// The forecasts of the held-out model, made from the ladder alone.
    public struct Forecast: Sendable {
        /// The held-out model's planned N, D and C.
        public var parameters: Double, tokens: Double, compute: Double
        /// The two-step forecast of the per-character probability p (`token_probability`).
        public var p: TaskForecast
        /// The two-step forecast of exact match, fitted to exact match itself; nil when its
        /// sigmoid could not be fitted (a ladder on which exact match never leaves 0).
        public var exactMatch: TaskForecast?
        /// The smooth law `−ln p = E + A·C^(−α)` on the ladder's final points, and its `p^ℓ`; nil
        /// when the law could not be fitted (the other forecasts are stored without it).
        public var smooth: EmergenceForecast?
        /// The two-mode forecast of p (`TwoModeForecast`); nil when it could not be made (the
        /// other forecasts are stored without it).
        public var modes: TwoModeForecast?
        /// The answer length ℓ.
        public var length: Int
        /// The ladder runs the forecasts were made from.
        public var ladderRuns: Int
        /// The bootstrap resamples and the level of the intervals.
        public var bootstrap: Int, level: Double

        /// The numbers stored before the held-out model trains (names as in `Score.quantity`/`method`).
        public var record: StudyRecord {
            var values: [String: Double] = ["target.parameters": parameters, "target.tokens": tokens, "target.compute": compute,
                                            "answer.length": Double(length), "design.bootstrap": Double(bootstrap), "design.level": level]
            var intervals: [String: [Double]] = [:]
            // p and exact match are probabilities: a fitted sigmoid's offset and scale are free, so
            // a forecast or a bootstrap percentile can leave [0, 1]; it is stored clipped to it.
            func put(_ name: String, _ v: Double?, _ i: [Double]?) {
                let clip: (Double) -> Double = name.hasPrefix("loss.") ? { $0 } : { min(1, max(0, $0)) }
                if let v, v.isFinite { values[name] = clip(v) }
                if let i, i.count == 2, i.allSatisfy(\.isFinite) { intervals[name] = i.map(clip) }
            }
            let ell = Double(length)
            put("loss.two-step", p.loss, p.lossInterval)
            put("p.two-step", p.chained, p.chainedInterval)
            put("p.direct", p.direct, p.directInterval)
            put("p.smooth-law", smooth?.p, smooth?.pInterval)
            put("exact_match.two-step", exactMatch?.chained, exactMatch?.chainedInterval)
            put("exact_match.direct", exactMatch?.direct, exactMatch?.directInterval)
            put("exact_match.p^l-two-step", Foundation.pow(p.chained, ell), p.chainedInterval.map { $0.map { Foundation.pow($0, ell) } })
            put("exact_match.p^l-smooth-law", smooth?.exactMatch, smooth?.exactMatchInterval)
            if let modes {
                let r = modes.record
                values.merge(r.values) { a, _ in a }
                intervals.merge(r.intervals) { a, _ in a }
            }
            return StudyRecord(values: values, intervals: intervals, points: ladderRuns)
        }
    }

    /// The analysis options of the study's fits: its bootstrap, level and seed.
    var options: AnalysisOptions {
        var o = AnalysisOptions()
        o.bootstrap = design.bootstrap
        o.level = design.level
        o.seed = design.seed
        return o
    }

    /// The forecasts of the held-out model from the ladder stage's runs.
    public func forecast(_ store: RunStore) throws -> Forecast {
        guard let sweep = try Self.sweep("ladder", in: store) else {
            throw StudyError.unusable("the store has no emergence ladder to forecast from; run the study from its start")
        }
        let target = try plan(budgets: [design.heldOutBudget]).runs[0]
        var o = TaskForecastOptions()
        o.stepOneLaw = SaturatingPowerLaw(variable: .compute)
        o.bootstrap = design.bootstrap
        o.level = design.level
        o.seed = design.seed
        func twoStep(_ metric: String) throws -> TaskForecast {
            let ladder = try TaskLadder.read(from: store, sweeps: [sweep], task: design.task, metric: metric)
            guard ladder.runs.count >= 4 else {
                throw StudyError.unusable("the emergence ladder has \(ladder.runs.count) done runs with \(metric) of \(design.task); "
                    + "the forecast needs at least 4")
            }
            return try TwoStepForecast.forecast(ladder, parameters: Double(target.parameters), tokens: Double(target.tokens),
                                                compute: target.flops, options: o)
        }
        let runs = try EmergenceAnalysis.runs(from: store, sweep: sweep, task: design.task).runs
        let smooth = try? EmergenceAnalysis.forecast(runs: runs, task: design.task, length: length, compute: target.flops,
                                                    smoothMetric: TaskMetric.tokenProbability, options: options)
        let modes = try? twoModeForecast(rows: runRows(store, sweep: sweep, role: "ladder"), compute: target.flops)
        return Forecast(parameters: Double(target.parameters), tokens: Double(target.tokens), compute: target.flops,
                        p: try twoStep(TaskMetric.tokenProbability), exactMatch: try? twoStep(TaskMetric.exactMatch),
                        smooth: smooth, modes: modes, length: length, ladderRuns: runs.count, bootstrap: design.bootstrap,
                        level: design.level)
    }
}
