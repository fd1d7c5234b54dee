import Foundation
import Lab
import ScalingLaws
import Trainer

extension HyperparameterStudy {
    /// One run of the study at its end.
    public struct RunRow: Sendable, Codable, Equatable {
        /// The run's id in the store, its size's index and its replicate.
        public var run: Int64, size: Int, replicate: Int
        /// What it changes, and to what (`Variant`).
        public var axis: Axis, value: Double
        /// N (all parameters), N without embeddings and D.
        public var parameters: Double, nonEmbeddingParameters: Double, tokens: Double
        /// Its recipe: peak learning rate, batch (sequences), steps, warm-up tokens, cosine floor, β₂.
        public var learningRate: Double, batch: Int, steps: Int, warmupTokens: Int, finalFraction: Double, beta2: Double
        /// The final validation loss (nats per byte).
        public var loss: Double
        /// The gradient noise scale B_simple (tokens) over the last quarter of its learning curve
        /// (`pooledNoiseScale`); nil when not measured.
        public var noiseScale: Double?
    }

    /// A schedule check at one size: a variant against the default recipe, seed by seed.
    public struct ScheduleRow: Sendable, Codable, Equatable {
        /// The size's index, its non-embedding N, the axis and the value checked.
        public var size: Int, parameters: Double, axis: Axis, value: Double
        /// The default's value on that axis at that size (warm-up as a fraction of the run).
        public var defaultValue: Double
        /// The mean final loss of the variant and of the default over the same seeds.
        public var loss: Double, defaultLoss: Double
        /// The mean of the seed-paired differences (variant − default, nats), and their range.
        public var difference: Double, differenceRange: [Double]
    }

    /// The noise scale beside the batch optimum at one size.
    public struct NoiseRow: Sendable, Codable, Equatable {
        /// The size's index and non-embedding N.
        public var size: Int, parameters: Double
        /// The default batch (tokens) and the measured optimum (tokens; nil when not bracketed).
        public var defaultBatch: Double, optimalBatch: Double?
        /// The default runs' B_simple (tokens) at the end of training, the geometric mean over seeds.
        public var noiseScale: Double
    }

    /// The study's findings (`summary.json`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The settings.
        public var design: Design
        /// Every done run, by size, replicate and variant.
        public var runs: [RunRow]
        /// The learning-rate and batch optimum of each size.
        public var optima: [Optimum]
        /// The fitted rules across sizes (learning rate, batch in tokens); absent when no size's
        /// optimum was bracketed.
        public var rules: [Rule]
        /// The schedule checks.
        public var schedule: [ScheduleRow]
        /// B_simple beside the batch optimum, per size.
        public var noise: [NoiseRow]
        /// The spread of the default recipe's loss over seeds (max − min, nats), per size: the
        /// noise floor against which every difference here is read; nil with one seed.
        public var seedSpread: [Double?]
        /// What should be read with care.
        public var notes: [String]
    }

    /// Reads the sweep's done runs and fits every optimum and rule.
    public func analyze(_ store: RunStore) throws -> Summary {
        guard let sweep = try Self.sweepID(in: store) else {
            throw StudyError.unusable("the store has no sweep of the hyperparameter study; run the study to its end")
        }
        let (plan, variants) = try self.sweep()
        let stored = try store.runs(sweep: sweep).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        guard stored.count == plan.runs.count else {
            throw StudyError.unusable("the store's hyperparameter sweep holds \(stored.count) runs, the design plans \(plan.runs.count); "
                + "start the study afresh with --fresh (or another --dir)")
        }
        let curves = try store.curves()
        var rows: [RunRow] = []
        for (i, run) in stored.enumerated() {
            guard run.status == .done, let loss = run.finalValidationLoss, let id = run.id else { continue }
            let c = plan.runs[i].config, h = c.hyperparameters, v = variants[i]
            rows.append(RunRow(run: id, size: v.size, replicate: v.replicate, axis: v.axis, value: v.value,
                               parameters: run.parameters, nonEmbeddingParameters: run.nonEmbeddingParameters ?? run.parameters,
                               tokens: Double(c.tokens), learningRate: h.learningRate, batch: h.batch, steps: c.steps,
                               warmupTokens: h.warmupTokens, finalFraction: h.finalLearningRateFraction, beta2: h.adamw.beta2,
                               loss: loss, noiseScale: Self.pooledNoiseScale(curves[id] ?? [])))
        }
        var optima: [Optimum] = [], schedule: [ScheduleRow] = [], noise: [NoiseRow] = [], spread: [Double?] = []
        for (s, budget) in design.budgets.enumerated() {
            let here = rows.filter { $0.size == s }
            let base = here.filter { $0.axis == .baseline }
            guard let first = base.first ?? here.first else { spread.append(nil); continue }
            let defaults = plan.runs[variants.firstIndex { $0.size == s && $0.axis == .baseline }!].config
            let N = first.nonEmbeddingParameters
            spread.append(base.count >= 2 ? base.map(\.loss).max()! - base.map(\.loss).min()! : nil)
            for (k, axis) in [Axis.learningRate, .batch].enumerated() {
                let runs = (base + here.filter { $0.axis == axis }).map { (factor: $0.axis == .baseline ? 1 : $0.value, loss: $0.loss) }
                let defaultValue = axis == .learningRate ? defaults.hyperparameters.learningRate
                    : Double(defaults.hyperparameters.batch * defaults.shape.context)
                if Set(runs.map(\.factor)).count >= 3, let o = Self.optimum(axis: axis, size: s, budget: budget, parameters: N, defaultValue: defaultValue, runs: runs,
                                        resamples: design.bootstrap, level: design.level,
                                        seed: design.seed &+ UInt64(2 * s + k)) {
                    optima.append(o)
                }
            }
            for axis in [Axis.warmup, .cosineFloor, .beta2, .candidate] {
                for value in Array(Set(here.filter { $0.axis == axis }.map(\.value))).sorted() {
                    let pairs = here.filter { $0.axis == axis && $0.value == value }.compactMap { r in
                        base.first { $0.replicate == r.replicate }.map { (r.loss, $0.loss) }
                    }
                    guard !pairs.isEmpty else { continue }
                    let d = pairs.map { $0.0 - $0.1 }
                    let h = defaults.hyperparameters
                    let defaultValue = switch axis {
                    case .warmup: Double(h.warmupTokens) / Double(defaults.tokens)
                    case .cosineFloor: h.finalLearningRateFraction
                    case .beta2: h.adamw.beta2
                    default: 0.0
                    }
                    schedule.append(ScheduleRow(size: s, parameters: N, axis: axis, value: value, defaultValue: defaultValue,
                                                loss: Self.mean(pairs.map(\.0)), defaultLoss: Self.mean(pairs.map(\.1)),
                                                difference: Self.mean(d), differenceRange: [d.min()!, d.max()!]))
                }
            }
            let scales = base.compactMap(\.noiseScale)
            if !scales.isEmpty {
                let batchOptimum = optima.first { $0.size == s && $0.axis == .batch }
                noise.append(NoiseRow(size: s, parameters: N, defaultBatch: Double(defaults.hyperparameters.batch * defaults.shape.context),
                                      optimalBatch: batchOptimum?.value,
                                      noiseScale: Foundation.exp(Self.mean(scales.map { Foundation.log($0) }))))
            }
        }
        let rules = [Axis.learningRate, .batch].compactMap { Self.rule(optima, axis: $0, level: design.level) }
        var notes = design.sweptAxes.isEmpty ? [
            "The candidate is compared as a whole: which of its changes (batch, warm-up, β₂) brings what is not separated.",
        ] : [
            "One axis at a time around the default recipe: the optimum of the learning rate is at the default batch, and the "
                + "batch's at the default learning rate; an interaction (a larger batch wanting a larger rate) is not measured.",
            "Every run of a size trains on the same tokens, so a larger batch takes fewer steps: the batch optimum here is the "
                + "best batch for a fixed token budget, the quantity a compute-optimal ladder needs, not the critical batch of "
                + "McCandlish et al. (which the noise scale estimates).",
        ]
        let unbracketed = optima.filter { !$0.bracketed }
        if !unbracketed.isEmpty {
            notes.append("Not bracketed (the best factor at the end of the range run, or no minimum of the parabola): "
                + unbracketed.map { "\($0.axis.rawValue) at N = \(Self.sci($0.parameters)) (best measured ×\(Self.num($0.bestMeasured)))" }
                    .joined(separator: "; ") + "; those sizes are left out of the rule.")
        }
        let missing = design.budgets.indices.flatMap { s in
            design.sweptAxes.filter { a in !optima.contains { $0.size == s && $0.axis == a } }.map { (s, $0) }
        }
        if !missing.isEmpty {
            notes.append("No optimum (fewer than 3 distinct values run, as when the batch cannot go below 1 sequence): "
                + missing.map { s, a in "\(a.rawValue) at the budget \(Self.sci(design.budgets[s]))" }.joined(separator: "; ") + ".")
        }
        let failed = stored.count - rows.count
        if failed > 0 { notes.append("\(failed) runs did not finish (failed or diverged) and are left out.") }
        return Summary(design: design, runs: rows, optima: optima, rules: rules, schedule: schedule, noise: noise,
                       seedSpread: spread, notes: notes)
    }

    /// B_simple (tokens) over the last quarter of a learning curve: the measurement-weighted means
    /// of |G|² and tr(Σ) over the points that carry them, divided (a single window is noisy);
    /// nil without a measured point or with a |G|² estimate that is not positive.
    public static func pooledNoiseScale(_ curve: [StoredCurvePoint]) -> Double? {
        let measured = curve.sorted { $0.step < $1.step }.compactMap(\.gradientNoise)
        guard !measured.isEmpty else { return nil }
        let tail = measured.suffix(max(1, measured.count / 4))
        let m = tail.map { Double($0.measurements) }.reduce(0, +)
        let g = tail.map { Double($0.measurements) * $0.gradientSquaredNorm }.reduce(0, +) / m
        let t = tail.map { Double($0.measurements) * $0.trace }.reduce(0, +) / m
        return GradientNoise(measurements: Int(m), gradientSquaredNorm: g, trace: t).simpleNoiseScale
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(max(x.count, 1)) }
}
