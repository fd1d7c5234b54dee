import Foundation
import Lab
import ScalingLaws
import Trainer

/// The repetition study: how much is a repeated token worth, on our own ladders, next to
/// Muennighoff et al.'s C4 answer (arXiv:2305.16264)?
///
/// Stages: (1) a ladder of compute-optimal models (one per budget, sized by the prior's N_opt(C)),
/// each trained on the same token budget D several times with a unique-token cap U = D/e for each
/// epoch count e (1, 2, 4, …: `TrainingConfig.uniqueTokens`; every run of a size shares its seed,
/// so the epochs are a paired comparison); (2) the data-constrained law fitted to the ladder
///
///     L = E + A/N'^α + B/D'^α,   D' = U + U·R_D*·(1 − e^(−R_D/R_D*)),   R_D = D/U − 1
///
/// (tied exponents, as the published fit; R_N*, the decay of excess parameters, held at its
/// published 5.309743: in this design a model's excess parameters grow with its epochs, so R_N*
/// and R_D* are not separately identified), and from it the best model for a budget beyond the
/// ladder with a fixed supply of unique tokens, recorded in the store before it trains; (3) that
/// model, trained; then the fit is compared with the published constants, the loss penalty of
/// repetition tabulated against epochs, and the forecast scored (docs/science.md, §The
/// repetition study).
public struct RepetitionStudy: Study {
    /// Everything that decides the study's ladders, fit and forecast.
    public struct Design: Sendable, Codable, Equatable {
        /// The ladder's budgets in FLOPs: one compute-optimal model size each.
        public var budgets: [Double]
        /// Epochs each size trains for, one run each: the run's cap is U = D/e (1 is all fresh data).
        public var epochs: [Double]
        /// The held-out model's budget, above the ladder's largest.
        public var heldOutBudget: Double
        /// The held-out model's unique tokens: the ladder's largest token budget ÷ this.
        public var heldOutScarcity: Double
        /// R_N*, held fixed in the fit (Muennighoff et al.'s C4 value by default).
        public var excessParameterDecay: Double
        /// The seed of every run and of the bootstrap.
        public var seed: UInt64
        /// Bootstrap resamples behind every interval.
        public var bootstrap: Int
        /// The nominal level of the intervals.
        public var level: Double

        /// A design; see the properties. `validate()` checks it.
        public init(budgets: [Double], epochs: [Double], heldOutBudget: Double, heldOutScarcity: Double = 4,
                    excessParameterDecay: Double = RepetitionStudy.published.excessParameterDecay,
                    seed: UInt64 = 0, bootstrap: Int = 200, level: Double = 0.9) {
            self.budgets = budgets
            self.epochs = epochs
            self.heldOutBudget = heldOutBudget
            self.heldOutScarcity = heldOutScarcity
            self.excessParameterDecay = excessParameterDecay
            self.seed = seed
            self.bootstrap = bootstrap
            self.level = level
        }

        /// The full study: three budgets 1e11, 3e11, 9e11 FLOPs, each size at 1, 2, 4, 8, 16 and
        /// 32 epochs (18 runs, 7.8e12 FLOPs), the held-out model at 2.7e12 FLOPs (3× the largest)
        /// with a quarter of the largest run's tokens unique. About 12 minutes on 2 cores.
        public static func full(seed: UInt64 = 0) -> Design {
            Design(budgets: [1e11, 3e11, 9e11], epochs: [1, 2, 4, 8, 16, 32], heldOutBudget: 2.7e12, seed: seed)
        }

        /// The quick study for smoke tests (about a minute with its test's resume and refusal):
        /// budgets 1e9, 8e9 and 3e10 FLOPs (the three smallest shapes of the rule: 3,448, 8,432 and
        /// 14,952 parameters), each at 1, 4 and 32 epochs (9 runs), the held-out model at 6e10,
        /// 100 resamples.
        public static func quick(seed: UInt64 = 0) -> Design {
            Design(budgets: [1e9, 8e9, 3e10], epochs: [1, 4, 32], heldOutBudget: 6e10, seed: seed, bootstrap: 100)
        }

        /// Checks the design: at least 2 increasing budgets and 3 increasing epochs from 1 (the fit
        /// has 5 free parameters and needs several sizes and several epochs), the held-out budget
        /// above the ladder, a scarcity ≥ 1, a positive R_N*, a level in (0, 1).
        public func validate() throws {
            func bad(_ s: String) -> StudyError { .unusable("the repetition study's design: " + s) }
            func increasing(_ x: [Double]) -> Bool { x.allSatisfy { $0.isFinite && $0 > 0 } && zip(x, x.dropFirst()).allSatisfy { $0 < $1 } }
            guard budgets.count >= 2, increasing(budgets) else {
                throw bad("the fit needs at least 2 increasing positive budgets (model sizes), got \(budgets)")
            }
            guard epochs.count >= 3, epochs.first == 1, increasing(epochs), epochs.last! <= 1000 else {
                throw bad("the epochs must start at 1 (fresh data, the baseline), increase, hold at least 3 values and stay "
                    + "at most 1000, got \(epochs)")
            }
            guard budgets.count * epochs.count >= 8 else {
                throw bad("the fit has 5 free parameters; \(budgets.count) budgets × \(epochs.count) epochs are too few runs (at least 8)")
            }
            guard heldOutBudget.isFinite, heldOutBudget > budgets.last! else {
                throw bad("the held-out budget must be above the ladder's largest (\(budgets.last!)), got \(heldOutBudget)")
            }
            guard heldOutScarcity.isFinite, heldOutScarcity >= 1 else {
                throw bad("the held-out scarcity (the largest run's tokens ÷ the held-out unique tokens) must be at least 1, got \(heldOutScarcity)")
            }
            guard excessParameterDecay.isFinite, excessParameterDecay > 0 else {
                throw bad("R_N* must be positive and finite, got \(excessParameterDecay)")
            }
            guard bootstrap >= 0, level > 0, level < 1 else { throw bad("bootstrap must be >= 0 and level in (0, 1)") }
        }
    }

    /// Muennighoff et al.'s C4 constants (the catalog's `muennighoff2023`).
    public static let published = DataConstrainedParameters(PublishedLaws.muennighoff2023)

    /// The study's settings.
    public var design: Design
    /// Threads to calibrate the wall-time estimate with; nil: no estimate (tests).
    public var calibrationThreads: Int?

    /// The study with `design`; `calibrationThreads` for the plans' wall-time estimates.
    public init(design: Design, calibrationThreads: Int? = nil) {
        self.design = design
        self.calibrationThreads = calibrationThreads
    }

    /// `repetition`.
    public var name: String { "repetition" }

    /// The ladder, the forecast and the held-out model.
    public var stages: [StudyStage] {
        [
            .ladder("ladder") { store in try ladder(estimate: Self.sweep("ladder", in: store) == nil) },
            .record("forecast") { store in try forecast(store).record },
            .ladder("held-out") { store in
                guard let r = try StudyRunner<RepetitionStudy>.record(in: store, study: name, stage: "forecast"),
                      let N = r.values["plan.parameters"] else {
                    throw StudyError.unusable("the store has no repetition forecast to train the held-out model of; run the study with --fresh")
                }
                return try heldOut(parameters: N, estimate: Self.sweep("held-out", in: store) == nil)
            },
        ]
    }

    /// One compute-optimal model per budget (N_opt(C) of Epoch AI's 2024 fit, D = C/f), each
    /// repeated once per epoch count with the cap `cap(tokens: D, epochs: e)`.
    public func ladder(estimate: Bool = false) throws -> LadderPlan {
        try design.validate()
        var plan = try LadderPlanner.plan(LadderSpec(kind: .isoflop, budgets: design.budgets, count: 1, spreadDecades: 0,
                                                     seed: design.seed))
        plan.runs = plan.runs.flatMap { run in
            design.epochs.map { e in
                var r = run
                r.config.uniqueTokens = Self.cap(tokens: run.tokens, epochs: e, context: run.config.shape.context)
                return r
            }
        }
        for r in plan.runs { try r.config.validate() }
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
        return plan
    }

    /// The held-out model: the shape the rule gives `parameters` (the fitted law's best N), trained
    /// on the held-out budget's tokens for that shape, capped at `heldOutUniqueTokens`.
    public func heldOut(parameters N: Double, estimate: Bool = false) throws -> LadderPlan {
        try design.validate()
        guard N.isFinite, N >= 1 else { throw StudyError.unusable("the repetition forecast's model size is \(N); run the study with --fresh") }
        let rule = ShapeRule()
        let shape = rule.shape(forParameters: N)
        let D = design.heldOutBudget / shape.trainingFLOPsPerToken
        var spec = LadderSpec(kind: .fixedSize, count: 1, fixedValue: N, range: [D, D], rule: rule, seed: design.seed)
        spec.budgets = [design.heldOutBudget]
        var plan = try LadderPlanner.plan(spec)
        let U = try heldOutUniqueTokens()
        for i in plan.runs.indices {
            plan.runs[i].config.uniqueTokens = U
            try plan.runs[i].config.validate()
        }
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
        return plan
    }

    /// The held-out model's unique tokens: the ladder's largest token budget ÷ `heldOutScarcity`, as a cap.
    public func heldOutUniqueTokens() throws -> Int {
        let largest = try ladder().runs.max { $0.tokens < $1.tokens }!
        return Self.cap(tokens: largest.tokens, epochs: design.heldOutScarcity, context: largest.config.shape.context)
    }

    /// The unique-token cap that makes D tokens `epochs` passes over whole windows of T:
    /// U = T·⌈D/(e·T)⌉ + 1 (`EpochSampler` cuts U bytes into ⌊(U − 1)/T⌋ windows, so every byte is used).
    public static func cap(tokens D: Int, epochs e: Double, context T: Int) -> Int {
        let windows = max(1, Int((Double(D) / (e * Double(T))).rounded(.up)))
        return windows * T + 1
    }

    /// The sweep of `stage`, if the store has it.
    static func sweep(_ stage: String, in store: RunStore) throws -> Int64? {
        let name = StudyRunner<RepetitionStudy>.storedName(study: "repetition", stage: stage)
        return try store.sweeps().first { $0.name == name }?.id
    }
}
