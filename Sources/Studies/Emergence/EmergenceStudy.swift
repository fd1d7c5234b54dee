import Analysis
import Foundation
import Lab
import LawFitting
import Report
import ScalingLaws
import Trainer

/// The emergence study: does a task's exact match jump where its per-character probability
/// moves smoothly, and can a ladder forecast a larger model's score before it is trained?
///
/// Stages: (1) a ladder of compute-optimal models (one per budget, sized by the prior's N_opt(C))
/// trained on the corpus with task lines mixed in, every run evaluated on the task's held-out
/// problems along its learning curve; (2) the forecast of a held-out model at a larger budget,
/// recorded in the store before it trains: the two-step forecast compute → loss → metric (step 1
/// L(C) = E + A·C^(−α) on the ladder, step 2 the sigmoid of loss on every evaluated step), the
/// direct smooth law −ln p = E + A·C^(−α), the exact match each implies, and the two-mode
/// forecast (`TwoModeForecast`: the probability that the model leaves the plateau the task's
/// scores sit on, and p in each mode); (3) the held-out model, trained; then the forecasts are
/// scored and the ladder analysed for emergence (docs/science.md, §Emergence and the metric).
/// With `Design.seeds` K above 1, every rung and the held-out model train K times, one run per
/// seed, and every held-out run is scored against the two-mode forecast.
public struct EmergenceStudy: Study {
    /// Everything that decides the study's ladders and forecast.
    public struct Design: Sendable, Codable, Equatable {
        /// The task mixed in and evaluated (`addition-2`: two-digit addition, a 3-character answer).
        public var task: String
        /// The share of training bytes that are task lines.
        public var share: Double
        /// The ladder's budgets in FLOPs, one compute-optimal run each.
        public var budgets: [Double]
        /// The held-out model's budget, above the ladder's largest.
        public var heldOutBudget: Double
        /// Held-out problems scored at each evaluated step.
        public var evaluationExamples: Int
        /// The seed of every run (the first, with several `seeds`) and of the bootstrap.
        public var seed: UInt64
        /// Bootstrap resamples behind every interval.
        public var bootstrap: Int
        /// The nominal level of the intervals.
        public var level: Double
        /// Sequences per optimizer step of every run; nil: the trainer's rule, whose batch grows
        /// with the model (so a larger model may take fewer steps than a smaller one).
        public var batch: Int?
        /// Runs per rung and of the held-out model, K (1 to 8): seeds `seed`, `seed + 1`, …,
        /// `seed + K − 1`, the same shapes and tokens. 1 is the study of one run per budget.
        public var seeds: Int
        /// The final exact match at or above which a run has left the plateau (learned the task),
        /// in (0, 1). On two-digit addition the runs on the plateau end near 0.01–0.02 and the
        /// ones that left it at 0.46–1 (docs/science.md, §The emergence study).
        public var learnedExactMatch: Double

        public init(task: String, share: Double, budgets: [Double], heldOutBudget: Double, evaluationExamples: Int,
                    seed: UInt64 = 0, bootstrap: Int = 200, level: Double = 0.9, batch: Int? = nil, seeds: Int = 1,
                    learnedExactMatch: Double = 0.25) {
            self.task = task
            self.share = share
            self.budgets = budgets
            self.heldOutBudget = heldOutBudget
            self.evaluationExamples = evaluationExamples
            self.seed = seed
            self.bootstrap = bootstrap
            self.level = level
            self.batch = batch
            self.seeds = seeds
            self.learnedExactMatch = learnedExactMatch
        }

        /// The seeds of each rung's runs and of the held-out model's: `seed` to `seed + seeds − 1`.
        public var runSeeds: [UInt64] { (0..<max(1, seeds)).map { seed &+ UInt64($0) } }

        /// The full study: five budgets from 1e11 to 4e12 FLOPs (×2.5 apart), the held-out
        /// model at 1.2e13 (3× the largest), two-digit addition as 20% of the training bytes,
        /// 300 problems per evaluation.
        public static func full(seed: UInt64 = 0) -> Design {
            Design(task: "addition-2", share: 0.2, budgets: [1e11, 2.5e11, 6e11, 1.5e12, 4e12], heldOutBudget: 1.2e13,
                   evaluationExamples: 300, seed: seed)
        }

        /// The quick study for smoke tests: the same shape a hundred times smaller in compute
        /// (1e9 to 4e10, held out at 1.2e11), 100 problems per evaluation.
        public static func quick(seed: UInt64 = 0) -> Design {
            Design(task: "addition-2", share: 0.2, budgets: [1e9, 2.5e9, 6e9, 1.5e10, 4e10], heldOutBudget: 1.2e11,
                   evaluationExamples: 100, seed: seed, bootstrap: 100)
        }

        /// Checks the design: a known task, a share in (0, 0.95], at least 4 increasing budgets,
        /// the held-out budget above them, at least 10 problems, a level in (0, 1), 1 to 8 seeds and
        /// a learned exact match in (0, 1).
        public func validate() throws {
            func bad(_ s: String) -> StudyError { .unusable("the emergence study's design: " + s) }
            let suite: TaskSuite
            do { suite = try TaskSuite(parsing: task) } catch { throw bad("\(error)") }
            guard share > 0, share <= TaskMixture.maximumTaskShare else {
                throw bad("the task's share must be above 0 and at most \(TaskMixture.maximumTaskShare), got \(share)")
            }
            guard budgets.count >= 4, budgets.allSatisfy({ $0.isFinite && $0 > 0 }), zip(budgets, budgets.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw bad("the smooth law has 3 parameters: it needs at least 4 increasing positive budgets, got \(budgets)")
            }
            guard heldOutBudget.isFinite, heldOutBudget > budgets.last! else {
                throw bad("the held-out budget must be above the ladder's largest (\(budgets.last!)), got \(heldOutBudget)")
            }
            guard evaluationExamples >= 10, suite.evaluationOverlapsTraining || evaluationExamples <= suite.maximumEvaluationExamples else {
                throw bad("evaluate at least 10 and at most \(suite.maximumEvaluationExamples) held-out problems of \(task), got \(evaluationExamples)")
            }
            guard bootstrap >= 0, level > 0, level < 1 else { throw bad("bootstrap must be >= 0 and level in (0, 1)") }
            if let batch, !(1...4096).contains(batch) { throw bad("the batch must be 1 to 4096 sequences, got \(batch)") }
            guard (1...Self.maximumSeeds).contains(seeds) else {
                throw bad("seeds (runs per rung and of the held-out model) must be 1 to \(Self.maximumSeeds), got \(seeds)")
            }
            guard learnedExactMatch > 0, learnedExactMatch < 1 else {
                throw bad("the exact match that marks a run as having learned the task must be in (0, 1), got \(learnedExactMatch)")
            }
        }

        /// The most seeds per rung a design may ask for.
        public static let maximumSeeds = 8
    }

    /// The study's settings.
    public var design: Design
    /// Threads to calibrate the wall-time estimate with; nil: no estimate (tests).
    public var calibrationThreads: Int?

    /// The study with `design`; `calibrationThreads` for the plans' wall-time estimates.
    public init(design: Design, calibrationThreads: Int? = nil) {
        self.design = design
        self.calibrationThreads = calibrationThreads
    }

    /// `emergence`.
    public var name: String { "emergence" }

    /// The ladder, the forecast and the held-out model.
    public var stages: [StudyStage] {
        [
            .ladder("ladder") { store in try plan(budgets: design.budgets, estimate: Self.sweep("ladder", in: store) == nil) },
            .record("forecast") { store in try forecast(store).record },
            .ladder("held-out") { store in try plan(budgets: [design.heldOutBudget], estimate: Self.sweep("held-out", in: store) == nil) },
        ]
    }

    /// One compute-optimal run per budget and seed (N_opt(C) of Epoch AI's 2024 fit, D = C/(6N)),
    /// with the task mixed in and evaluated; with `estimate` and `calibrationThreads`, the
    /// wall-time estimate from a short calibration (only worth its seconds for a plan that will be
    /// stored).
    ///
    /// With `Design.seeds` K above 1 the plan is the K one-seed plans (seeds `seed` to
    /// `seed + K − 1`) one after the other, under the first one's specification: the runs differ
    /// only in their seed. With K = 1 it is the one-seed plan.
    public func plan(budgets: [Double], estimate: Bool = false) throws -> LadderPlan {
        try design.validate()
        let seeds = design.runSeeds
        var plan = try self.plan(budgets: budgets, seed: seeds[0])
        for seed in seeds.dropFirst() {
            let other = try self.plan(budgets: budgets, seed: seed)
            plan.runs += other.runs
            plan.warnings += other.warnings.filter { !plan.warnings.contains($0) }
        }
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
        return plan
    }

    /// The plan of one run per budget, all with `seed`.
    func plan(budgets: [Double], seed: UInt64) throws -> LadderPlan {
        var spec = LadderSpec(kind: .isoflop, budgets: budgets, count: 1, spreadDecades: 0, seed: seed)
        spec.mix = [TaskMixture(task: design.task, fraction: design.share)]
        spec.evaluationTasks = [design.task]
        spec.evaluationExamples = design.evaluationExamples
        var plan = try LadderPlanner.plan(spec)
        if let batch = design.batch {
            for i in plan.runs.indices {
                plan.runs[i].config.hyperparameters.batch = batch
                plan.runs[i].config.hyperparameters.microBatch = batch
                try plan.runs[i].config.validate()
            }
        }
        return plan
    }

    /// The answer length ℓ of the task.
    var length: Int { (try? TaskSuite(parsing: design.task))?.answerLength ?? 1 }

    /// The sweep of `stage`, if the store has it.
    static func sweep(_ stage: String, in store: RunStore) throws -> Int64? {
        let name = StudyRunner<EmergenceStudy>.storedName(study: "emergence", stage: stage)
        return try store.sweeps().first { $0.name == name }?.id
    }
}

extension EmergenceStudy.Design {
    /// Decodes a design; `seeds` (1) and `learnedExactMatch` (0.25) take their defaults when
    /// absent, so designs and summaries stored before they existed still decode.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(task: try c.decode(String.self, forKey: .task), share: try c.decode(Double.self, forKey: .share),
                  budgets: try c.decode([Double].self, forKey: .budgets), heldOutBudget: try c.decode(Double.self, forKey: .heldOutBudget),
                  evaluationExamples: try c.decode(Int.self, forKey: .evaluationExamples), seed: try c.decode(UInt64.self, forKey: .seed),
                  bootstrap: try c.decode(Int.self, forKey: .bootstrap), level: try c.decode(Double.self, forKey: .level),
                  batch: try c.decodeIfPresent(Int.self, forKey: .batch), seeds: try c.decodeIfPresent(Int.self, forKey: .seeds) ?? 1,
                  learnedExactMatch: try c.decodeIfPresent(Double.self, forKey: .learnedExactMatch) ?? 0.25)
    }
}
