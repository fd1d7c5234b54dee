import Foundation
import ScalingLaws
import Trainer

/// The three sweep designs.
public enum SweepKind: String, Sendable, Codable, CaseIterable {
    /// For each compute budget C, several model sizes trained on C's worth of tokens
    /// (Chinchilla approach 2, Hoffmann et al. 2022, arXiv:2203.15556 §3.2).
    case isoflop
    /// One model size N, several token budgets D: L(D) at fixed N (Kaplan et al. 2020).
    case fixedSize = "fixed-size"
    /// One token budget D, several model sizes N: L(N) at fixed D (Kaplan et al. 2020).
    case fixedData = "fixed-data"
}

/// Everything that decides a ladder; stored with the sweep so the plan can be re-derived.
public struct LadderSpec: Sendable, Codable, Equatable {
    public var kind: SweepKind
    /// IsoFLOP compute budgets C (training FLOPs).
    public var budgets: [Double]
    /// Model sizes per budget (isoflop) or points of the sweep (fixed-size, fixed-data).
    public var count: Int
    /// IsoFLOP: sizes span N_opt(C)·10^(±spread), evenly in log N. Half a decade each side
    /// (a factor ≈ 10 overall) brackets the minimum of the IsoFLOP parabola even when the prior's
    /// N_opt is off by 2× — Hoffmann et al.'s grids were about that wide.
    public var spreadDecades: Double
    /// The law whose closed-form N_opt(C) centres each budget (default Epoch AI's 2024 re-fit).
    public var priorName: String
    public var prior: ChinchillaParameters
    /// Fixed-size: the model size N; fixed-data: the token budget D.
    public var fixedValue: Double?
    /// Fixed-size: the token range; fixed-data: the size range, each [low, high].
    public var range: [Double]?
    public var rule: ShapeRule
    public var seed: UInt64
    /// Checkpoints each run writes (every ⌈steps / this⌉ steps): what a killed worker loses at most.
    public var checkpointsPerRun: Int
    /// Task lines mixed into every run's training bytes (`TrainingConfig.mix`); nil: none.
    public var mix: [TaskMixture]?
    /// Tasks every run evaluates at its learning-curve points (`TrainingConfig.evaluationTasks`); nil: none.
    public var evaluationTasks: [String]?
    /// Held-out examples per evaluated task (`TrainingConfig.evaluationExamples`); nil: the default.
    public var evaluationExamples: Int?
    /// Every run measures the gradient noise scale every this many steps
    /// (`TrainingConfig.noiseScaleEvery`); a run whose batch is one sequence cannot and does not.
    /// Nil: none.
    public var noiseScaleEvery: Int?
    /// The rule that sets every run's hyperparameters; nil: `HyperparameterRecipe.default`.
    public var recipe: HyperparameterRecipe?

    public init(kind: SweepKind = .isoflop, budgets: [Double] = [], count: Int = 5, spreadDecades: Double = 0.5,
                priorName: String = "epoch2024", prior: ChinchillaParameters = PublishedLaws.epoch2024,
                fixedValue: Double? = nil, range: [Double]? = nil, rule: ShapeRule = ShapeRule(), seed: UInt64 = 0,
                checkpointsPerRun: Int = 10) {
        self.kind = kind; self.budgets = budgets; self.count = count; self.spreadDecades = spreadDecades
        self.priorName = priorName; self.prior = prior; self.fixedValue = fixedValue; self.range = range
        self.rule = rule; self.seed = seed; self.checkpointsPerRun = checkpointsPerRun
    }
}

extension HyperparameterRecipe {
    /// The value `LadderSpec.recipe` stores for this recipe: nil for the default, so a spec
    /// planned with the default equals one stored before recipes existed.
    public var specValue: HyperparameterRecipe? { self == .default ? nil : self }
}

extension LadderSpec {
    /// What differs between this spec (the stored one) and `other` (the one planned now), in words:
    /// empty when they are equal. A resumed ladder, study or demo refuses a store whose plan differs.
    public func differences(from other: LadderSpec) -> [String] {
        func pair<T>(_ name: String, _ a: T, _ b: T) -> String { "\(name) \(a) there, \(b) now" }
        var parts: [String] = []
        if kind != other.kind { parts.append(pair("kind", kind.rawValue, other.kind.rawValue)) }
        if budgets != other.budgets {
            parts.append(pair("budgets", budgets.map { String(format: "%.3g", $0) }, other.budgets.map { String(format: "%.3g", $0) }))
        }
        if count != other.count { parts.append(pair("count", count, other.count)) }
        if seed != other.seed { parts.append(pair("seed", seed, other.seed)) }
        if (recipe ?? .default) != (other.recipe ?? .default) {
            parts.append(pair("recipe", (recipe ?? .default).rawValue, (other.recipe ?? .default).rawValue))
        }
        if spreadDecades != other.spreadDecades { parts.append(pair("spread", spreadDecades, other.spreadDecades)) }
        if priorName != other.priorName || prior != other.prior { parts.append("prior law differs") }
        if fixedValue != other.fixedValue || range != other.range { parts.append("fixed value or range differs") }
        if rule != other.rule { parts.append("shape rule differs") }
        if checkpointsPerRun != other.checkpointsPerRun { parts.append(pair("checkpoints per run", checkpointsPerRun, other.checkpointsPerRun)) }
        if mix != other.mix { parts.append("task mix differs") }
        if evaluationTasks != other.evaluationTasks || evaluationExamples != other.evaluationExamples { parts.append("evaluations differ") }
        if noiseScaleEvery != other.noiseScaleEvery { parts.append("noise-scale interval differs") }
        var (a, b) = (self, other)
        (a.recipe, b.recipe) = ((recipe ?? .default).specValue, (other.recipe ?? .default).specValue)
        if parts.isEmpty && a != b { parts.append("the ladder specifications differ") }
        return parts
    }
}

/// One run of a plan: its full training configuration and where it sits in the design.
public struct PlannedRun: Sendable, Codable, Equatable {
    public var config: TrainingConfig
    /// The nominal budget C of its IsoFLOP row (nil for other kinds).
    public var budget: Double?
    /// The N the design asked for; `parameters` is what the shape rule could realize.
    public var targetParameters: Double
    public var parameters: Int
    public var nonEmbeddingParameters: Int
    public var tokens: Int
    /// The run's compute C: `ModelShape.trainingFLOPsPerToken` (exact, causal attention) × tokens,
    /// what the trainer records as `flops`.
    public var flops: Double
    public var estimatedSeconds: Double?
}

/// How wall time was estimated: FLOP/s at a few FLOPs-per-token values, interpolated in log-log.
public struct ThroughputEstimate: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        public var flopsPerToken: Double
        public var flopsPerSecond: Double
        public init(flopsPerToken: Double, flopsPerSecond: Double) {
            self.flopsPerToken = flopsPerToken
            self.flopsPerSecond = flopsPerSecond
        }
    }
    /// `calibration`, `store` or `given`, with a sentence saying how.
    public var source: String
    public var threads: Int
    public var points: [Point]

    public init(source: String, threads: Int, points: [Point]) {
        precondition(!points.isEmpty, "a throughput estimate needs at least one point")
        self.source = source
        self.threads = threads
        self.points = points.sorted { $0.flopsPerToken < $1.flopsPerToken }
    }

    /// FLOP/s for a model with `flopsPerToken`: piecewise linear in (log FLOPs/token, log FLOP/s)
    /// between the points, constant beyond the ends.
    public func flopsPerSecond(flopsPerToken x: Double) -> Double {
        guard let first = points.first, let last = points.last else { return .nan }
        if x <= first.flopsPerToken { return first.flopsPerSecond }
        if x >= last.flopsPerToken { return last.flopsPerSecond }
        let i = points.firstIndex { $0.flopsPerToken >= x }!
        let a = points[i - 1], b = points[i]
        let t = log(x / a.flopsPerToken) / log(b.flopsPerToken / a.flopsPerToken)
        return exp(log(a.flopsPerSecond) + t * log(b.flopsPerSecond / a.flopsPerSecond))
    }
}

/// A designed ladder: the spec, the runs, and the wall-time estimate.
public struct LadderPlan: Sendable, Codable, Equatable {
    public var spec: LadderSpec
    public var runs: [PlannedRun]
    /// Sentences about compromises: clamped sizes, merged duplicates, very short runs.
    public var warnings: [String]
    public var throughput: ThroughputEstimate?

    public var totalFLOPs: Double { runs.map(\.flops).reduce(0, +) }
    /// Sum of the runs' estimated seconds with all the estimate's threads on one run at a time.
    public var estimatedSeconds: Double? {
        let s = runs.compactMap(\.estimatedSeconds)
        return s.count == runs.count ? s.reduce(0, +) : nil
    }

    /// Fills `estimatedSeconds` of every run from `throughput`.
    public mutating func estimate(with throughput: ThroughputEstimate) {
        self.throughput = throughput
        for i in runs.indices {
            let fpt = runs[i].config.shape.trainingFLOPsPerToken
            runs[i].estimatedSeconds = runs[i].flops / throughput.flopsPerSecond(flopsPerToken: fpt)
        }
    }
}
