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
/// direct smooth law −ln p = E + A·C^(−α), and the exact match each implies; (3) the held-out
/// model, trained; then the forecasts are scored and the ladder analysed for emergence
/// (docs/science.md, §Emergence and the metric).
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
        /// The seed of every run and of the bootstrap.
        public var seed: UInt64
        /// Bootstrap resamples behind every interval.
        public var bootstrap: Int
        /// The nominal level of the intervals.
        public var level: Double
        /// Sequences per optimizer step of every run; nil: the trainer's rule, whose batch grows
        /// with the model (so a larger model may take fewer steps than a smaller one).
        public var batch: Int?

        public init(task: String, share: Double, budgets: [Double], heldOutBudget: Double, evaluationExamples: Int,
                    seed: UInt64 = 0, bootstrap: Int = 200, level: Double = 0.9, batch: Int? = nil) {
            self.task = task
            self.share = share
            self.budgets = budgets
            self.heldOutBudget = heldOutBudget
            self.evaluationExamples = evaluationExamples
            self.seed = seed
            self.bootstrap = bootstrap
            self.level = level
            self.batch = batch
        }

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
        /// the held-out budget above them, at least 10 problems, a level in (0, 1).
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
        }
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

    /// One compute-optimal run per budget (N_opt(C) of Epoch AI's 2024 fit, D = C/(6N)), with
    /// the task mixed in and evaluated; with `estimate` and `calibrationThreads`, the wall-time
    /// estimate from a short calibration (only worth its seconds for a plan that will be stored).
    public func plan(budgets: [Double], estimate: Bool = false) throws -> LadderPlan {
        try design.validate()
        var spec = LadderSpec(kind: .isoflop, budgets: budgets, count: 1, spreadDecades: 0, seed: design.seed)
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
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
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
