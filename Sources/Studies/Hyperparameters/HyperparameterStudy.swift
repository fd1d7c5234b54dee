import Foundation
import Lab
import ScalingLaws
import Trainer

/// The hyperparameter study: are the trainer's default learning rate and batch size
/// (`Hyperparameters.defaults`) the best ones across a ladder's sizes, and do the schedule
/// choices the literature says bias small ladders matter here? Porian et al. (2024,
/// arXiv:2406.19146) traced the Kaplan–Chinchilla disagreement to learning rate, batch size,
/// warm-up and AdamW's β₂ tuned (or not) per scale; this study measures ours.
///
/// One ladder stage: one compute-optimal model per budget (N_opt(C) of Epoch AI's 2024 fit, as
/// the repetition study sizes its models), and around each size's default recipe, one axis at a
/// time: the peak learning rate times each of `learningRateFactors`, the batch times each of
/// `batchFactors` (at the same tokens, so fewer or more steps), each run repeated over `seeds`
/// seeds; at the budgets of `scheduleBudgets` also the warm-up as each fraction of the run in
/// `warmupFractions`, the cosine's floor at each of `finalFractions` and AdamW's β₂ at each of
/// `beta2Values`. Every run of a size trains on the same tokens. Then per size the optimum of
/// each swept axis from a parabola in log₂ of the factor (`HyperparameterStudy.optimum`), and
/// across sizes the optimal learning rate and batch as power laws in N
/// (`HyperparameterStudy.rule`), with bootstrap intervals, beside the default rule
/// (docs/science.md, §The hyperparameter study).
public struct HyperparameterStudy: Study {
    /// Everything that decides the study's ladder and fits.
    public struct Design: Sendable, Codable, Equatable {
        /// One compute-optimal model size per budget (FLOPs).
        public var budgets: [Double]
        /// Factors on the default peak learning rate; 1 (the default) is always run.
        public var learningRateFactors: [Double]
        /// Factors on the default batch (sequences per step, rounded, at least 1); 1 is always run.
        public var batchFactors: [Double]
        /// Replicates of every run: seeds `seed`, `seed + 1`, ….
        public var seeds: Int
        /// The budgets (a subset of `budgets`) whose size also runs the schedule checks.
        public var scheduleBudgets: [Double]
        /// Warm-up lengths checked, as fractions of the run's tokens.
        public var warmupFractions: [Double]
        /// Cosine floors checked (the learning rate's final fraction of its peak; the default 0.1).
        public var finalFractions: [Double]
        /// AdamW β₂ values checked (the default 0.95).
        public var beta2Values: [Double]
        /// A whole recipe to compare with the default at every size and seed; nil: none.
        public var candidate: CandidateRecipe?
        /// Every run with a batch of at least 2 measures the gradient noise scale every this many
        /// steps (`TrainingConfig.noiseScaleEvery`); nil: none.
        public var noiseScaleEvery: Int?
        /// The first seed, and the bootstrap's.
        public var seed: UInt64
        /// Bootstrap resamples behind every interval.
        public var bootstrap: Int
        /// The nominal level of the intervals.
        public var level: Double

        /// A design; see the properties. `validate()` checks it.
        public init(budgets: [Double], learningRateFactors: [Double], batchFactors: [Double], seeds: Int,
                    scheduleBudgets: [Double] = [], warmupFractions: [Double] = [], finalFractions: [Double] = [],
                    beta2Values: [Double] = [], candidate: CandidateRecipe? = nil, noiseScaleEvery: Int? = 10, seed: UInt64 = 0,
                    bootstrap: Int = 200, level: Double = 0.9) {
            self.budgets = budgets
            self.learningRateFactors = learningRateFactors
            self.batchFactors = batchFactors
            self.seeds = seeds
            self.scheduleBudgets = scheduleBudgets
            self.warmupFractions = warmupFractions
            self.finalFractions = finalFractions
            self.beta2Values = beta2Values
            self.candidate = candidate
            self.noiseScaleEvery = noiseScaleEvery
            self.seed = seed
            self.bootstrap = bootstrap
            self.level = level
        }

        /// The full study: four sizes at 3e10, 1e11, 3e11 and 1e12 FLOPs (about 1.4e4 to 7e4
        /// parameters, the lower two-thirds of the demo's ladder), learning rate and batch each ×
        /// 1/4, 1/2, 1, 2, 4, two seeds; the schedule checks (warm-up 1% and 25% of the run,
        /// cosine floor 0, β₂ 0.99) at the two middle sizes. 88 runs, about 10 minutes on 2 cores.
        public static func full(seed: UInt64 = 0) -> Design {
            Design(budgets: [3e10, 1e11, 3e11, 1e12], learningRateFactors: [0.25, 0.5, 1, 2, 4],
                   batchFactors: [0.25, 0.5, 1, 2, 4], seeds: 2, scheduleBudgets: [1e11, 3e11],
                   warmupFractions: [0.01, 0.25], finalFractions: [0], beta2Values: [0.99], seed: seed)
        }

        /// The quick study for smoke tests: two tiny sizes (1e9 and 8e9 FLOPs), learning rate ×
        /// 1/4, 1, 4 and batch × 1/2, 1, 2, one seed, each schedule check once at the smaller
        /// size; 12 runs (the smaller size's batch of 1 sequence cannot halve), 100 resamples.
        public static func quick(seed: UInt64 = 0) -> Design {
            Design(budgets: [1e9, 8e9], learningRateFactors: [0.25, 1, 4], batchFactors: [0.5, 1, 2], seeds: 1,
                   scheduleBudgets: [1e9], warmupFractions: [0.25], finalFractions: [0], beta2Values: [0.99],
                   seed: seed, bootstrap: 100)
        }

        /// The axes the design sweeps (learning rate, then batch): those whose factors hold more
        /// than the default's 1.
        public var sweptAxes: [Axis] {
            [(Axis.learningRate, learningRateFactors), (.batch, batchFactors)].filter { Set($0.1) != [1] }.map(\.0)
        }

        /// The candidate check: the full study's four sizes, no sweep, the default recipe against
        /// `CandidateRecipe()` (the recipe the full study and its replication suggested) over four
        /// seeds from `seed` on: 32 runs, about 3–5 minutes on 2 cores. The command starts them at
        /// `--seed` + 4, past the seeds the sweep and its replication used.
        public static func candidateCheck(seed: UInt64 = 4) -> Design {
            Design(budgets: [3e10, 1e11, 3e11, 1e12], learningRateFactors: [1], batchFactors: [1], seeds: 4,
                   candidate: CandidateRecipe(), seed: seed)
        }

        /// Checks the design: increasing positive budgets; each axis's factors positive, at most
        /// 64 apart from 1, holding 1 and either nothing else (that axis is not swept) or at
        /// least 2 more distinct values (a parabola has 3 coefficients); 1–10 seeds; schedule budgets among the budgets; warm-up fractions in
        /// (0, 1), floors in [0, 1], β₂ in (0, 1); a level in (0, 1).
        public func validate() throws {
            func bad(_ s: String) -> StudyError { .unusable("the hyperparameter study's design: " + s) }
            guard !budgets.isEmpty, budgets.allSatisfy({ $0.isFinite && $0 > 0 }), zip(budgets, budgets.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw bad("the budgets must be increasing positive FLOP counts, got \(budgets)")
            }
            for (name, factors) in [("learning-rate", learningRateFactors), ("batch", batchFactors)] {
                guard factors.allSatisfy({ $0.isFinite && $0 >= 1.0 / 64 && $0 <= 64 }), Set(factors).count >= 3 || Set(factors) == [1],
                      factors.contains(1) else {
                    throw bad("the \(name) factors must hold 1 and either nothing else or at least 2 more distinct values from 1/64 to 64, got \(factors)")
                }
            }
            guard (1...10).contains(seeds) else { throw bad("the seeds per run must be from 1 to 10, got \(seeds)") }
            guard scheduleBudgets.allSatisfy(budgets.contains) else {
                throw bad("the schedule checks' budgets \(scheduleBudgets) must be among the budgets \(budgets)")
            }
            guard warmupFractions.allSatisfy({ $0 > 0 && $0 < 1 }), finalFractions.allSatisfy({ $0 >= 0 && $0 <= 1 }),
                  beta2Values.allSatisfy({ $0 > 0 && $0 < 1 }) else {
                throw bad("warm-up fractions must be in (0, 1), cosine floors in [0, 1] and β₂ values in (0, 1)")
            }
            if let c = candidate, !c.isValid { throw bad("the candidate recipe is out of range: \(c)") }
            if let k = noiseScaleEvery, k < 1 { throw bad("the noise scale is measured every 1 or more steps, got \(k)") }
            guard bootstrap >= 0, level > 0, level < 1 else { throw bad("bootstrap must be >= 0 and level in (0, 1)") }
        }
    }

    /// What a run changes from its size's default recipe.
    public enum Axis: String, Sendable, Codable, CaseIterable {
        /// The default recipe.
        case baseline
        /// The peak learning rate × a factor.
        case learningRate = "learning-rate"
        /// The batch × a factor (sequences per step, at the same tokens).
        case batch
        /// The warm-up as a fraction of the run's tokens.
        case warmup
        /// The cosine's floor (final fraction of the peak learning rate).
        case cosineFloor = "cosine-floor"
        /// AdamW's β₂.
        case beta2
        /// The whole `CandidateRecipe`.
        case candidate
    }

    /// One planned run's place in the study.
    public struct Variant: Sendable, Codable, Equatable {
        /// The index of its size's budget in `Design.budgets`.
        public var size: Int
        /// The replicate (its seed is `Design.seed + replicate`).
        public var replicate: Int
        /// What it changes, and to what: the realized factor on the default (learning rate,
        /// batch) or the value itself (warm-up fraction, floor, β₂); 1 for the baseline.
        public var axis: Axis, value: Double
    }

    /// The study's settings.
    public var design: Design
    /// Threads to calibrate the wall-time estimate with; nil: no estimate (tests).
    public var calibrationThreads: Int?

    /// The study with `design`; `calibrationThreads` for the plan's wall-time estimate.
    public init(design: Design, calibrationThreads: Int? = nil) {
        self.design = design
        self.calibrationThreads = calibrationThreads
    }

    /// `hyperparameters`.
    public var name: String { "hyperparameters" }

    /// One ladder: every size, every variant, every seed.
    public var stages: [StudyStage] {
        [.ladder("sweep") { store in try sweep(estimate: Self.sweepID(in: store) == nil).plan }]
    }

    /// The plan and each run's variant, in the plan's order (the store's order of the runs).
    public func sweep(estimate: Bool = false) throws -> (plan: LadderPlan, variants: [Variant]) {
        try design.validate()
        var spec = LadderSpec(kind: .isoflop, budgets: design.budgets, count: 1, spreadDecades: 0, seed: design.seed)
        spec.noiseScaleEvery = design.noiseScaleEvery
        let base = try LadderPlanner.plan(spec)
        guard base.runs.count == design.budgets.count else {
            throw StudyError.unusable("the hyperparameter study's budgets \(design.budgets) did not give one model each")
        }
        var plan = base
        plan.runs = []
        var variants: [Variant] = []
        for (i, run) in base.runs.enumerated() {
            let defaults = run.config.hyperparameters
            let T = run.config.shape.context
            // The batches this size runs: each factor's rounding, at least 1, kept once.
            var batches: [Int: Double] = [defaults.batch: 1]
            let candidateBatch = design.candidate?.batch(for: run.config.shape, tokens: run.config.tokens)
            for f in design.batchFactors where f != 1 {
                let b = max(1, Int((Double(defaults.batch) * f).rounded()))
                if batches[b] == nil { batches[b] = Double(b) / Double(defaults.batch) }
            }
            // Every run of the size on the same tokens: a whole number of steps at every batch.
            let multiple = (batches.keys + [candidateBatch ?? 1]).reduce(1) { lcm($0, $1) } * T
            guard multiple <= run.config.tokens / 20 else {
                throw StudyError.unusable("the hyperparameter study's batches \(batches.keys.sorted()) at the budget "
                    + "\(design.budgets[i]) need runs of a multiple of \(multiple) tokens, more than 5% of the size's "
                    + "\(run.config.tokens): choose batch factors that are powers of 2")
            }
            let tokens = max(multiple, Int((Double(run.config.tokens) / Double(multiple)).rounded()) * multiple)
            var changes: [(Axis, Double, (inout Hyperparameters) -> Void)] = [(.baseline, 1, { _ in })]
            for f in design.learningRateFactors where f != 1 {
                changes.append((.learningRate, f, { $0.learningRate = defaults.learningRate * f }))
            }
            for (b, f) in batches.sorted(by: { $0.key < $1.key }) where b != defaults.batch {
                changes.append((.batch, f, { h in
                    h.batch = b
                    h.microBatch = Hyperparameters.defaultMicroBatch(for: run.config.shape, batch: b)
                }))
            }
            if design.scheduleBudgets.contains(design.budgets[i]) {
                for w in design.warmupFractions { changes.append((.warmup, w, { $0.warmupTokens = max(1, Int(w * Double(tokens))) })) }
                for f in design.finalFractions where f != defaults.finalLearningRateFraction {
                    changes.append((.cosineFloor, f, { $0.finalLearningRateFraction = f }))
                }
                for b2 in design.beta2Values where b2 != defaults.adamw.beta2 {
                    changes.append((.beta2, b2, { $0.adamw.beta2 = b2 }))
                }
            }
            if let c = design.candidate {
                changes.append((.candidate, 1, { h in h = c.apply(to: h, shape: run.config.shape, tokens: tokens, batch: candidateBatch) }))
            }
            for r in 0..<design.seeds {
                for (axis, value, change) in changes {
                    var planned = run
                    var config = run.config
                    change(&config.hyperparameters)
                    config.tokens = tokens
                    config.seed = design.seed &+ UInt64(r)
                    LadderPlanner.applyStepRules(to: &config, spec: base.spec)
                    try config.validate()
                    planned.config = config
                    planned.tokens = tokens
                    planned.flops = config.shape.trainingFLOPsPerToken * Double(tokens)
                    plan.runs.append(planned)
                    variants.append(Variant(size: i, replicate: r, axis: axis, value: value))
                }
            }
        }
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
        return (plan, variants)
    }

    /// The study's sweep, if the store has it.
    static func sweepID(in store: RunStore) throws -> Int64? {
        let name = StudyRunner<HyperparameterStudy>.storedName(study: "hyperparameters", stage: "sweep")
        return try store.sweeps().first { $0.name == name }?.id
    }
}

/// The least common multiple of two positive integers.
func lcm(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return a / x * b
}
