import Foundation
import Lab
import ScalingLaws
import Trainer

/// The transfer study: how much data is pre-training on one corpus worth to a model fine-tuned on
/// another? Hernandez et al. 2021's effective data transferred (arXiv:2102.01293), text → code,
/// on our own ladders.
///
/// Stages: `pretrain` trains `count` transformer sizes, log-spaced over `range`, on the study's
/// own corpus (`--data`, the plays) and keeps each final checkpoint; `fine-tune` starts every
/// size from its checkpoint and trains it on the target corpus (`--target-data`, Python source)
/// for each of `fineTuningCount` token budgets D_F log-spaced over `fineTuningRange`, each with
/// its own schedule; `scratch` trains the same shapes from random weights on the target corpus
/// for each of `scratchCount` budgets over `scratchRange`. Then, per fine-tuned model, the
/// effective data D_E (the tokens the from-scratch curve of its size needs to reach its loss,
/// `TransferFit.effectiveData`), the effective data transferred D_T = D_E − D_F, and the fit of
///
///     D_T = k · D_F^α · N^β   (N: non-embedding parameters)
///
/// with bootstrap intervals beside the published text → Python constants (`TransferLaw`).
public struct TransferStudy: Study {
    /// Everything that decides the study's ladders and fit.
    public struct Design: Sendable, Codable, Equatable {
        /// The smallest and largest target size (all parameters).
        public var range: [Double]
        /// Model sizes, log-spaced over `range`.
        public var count: Int
        /// Tokens of pre-training on the study's own corpus.
        public var pretrainingTokens: Double
        /// The smallest and largest fine-tuning budget D_F on the target corpus, and how many.
        public var fineTuningRange: [Double]
        public var fineTuningCount: Int
        /// The smallest and largest from-scratch budget on the target corpus, and how many.
        public var scratchRange: [Double]
        public var scratchCount: Int
        /// The context T of every model (bytes).
        public var context: Int
        /// The seed of every run and of the bootstrap.
        public var seed: UInt64
        /// Bootstrap resamples behind every interval.
        public var bootstrap: Int
        /// The nominal level of the intervals.
        public var level: Double

        /// A design; see the properties. `validate()` checks it.
        public init(range: [Double], count: Int, pretrainingTokens: Double, fineTuningRange: [Double], fineTuningCount: Int,
                    scratchRange: [Double], scratchCount: Int, context: Int = 64, seed: UInt64 = 0, bootstrap: Int = 200,
                    level: Double = 0.9) {
            self.range = range
            self.count = count
            self.pretrainingTokens = pretrainingTokens
            self.fineTuningRange = fineTuningRange
            self.fineTuningCount = fineTuningCount
            self.scratchRange = scratchRange
            self.scratchCount = scratchCount
            self.context = context
            self.seed = seed
            self.bootstrap = bootstrap
            self.level = level
        }

        /// The full study: 3 sizes from 1e4 to 2e5 parameters, each pre-trained on 1M bytes of
        /// the plays, fine-tuned on 4 budgets from 12,500 to 200,000 bytes of code, and trained
        /// from scratch on 7 budgets from 12,500 to 2M bytes of code.
        public static func full(seed: UInt64 = 0) -> Design {
            Design(range: [1e4, 2e5], count: 3, pretrainingTokens: 1e6, fineTuningRange: [1.25e4, 2e5], fineTuningCount: 4,
                   scratchRange: [1.25e4, 2e6], scratchCount: 7, seed: seed)
        }

        /// The quick study for smoke tests: 2 sizes from 3e3 to 1.5e4 parameters, pre-trained on
        /// 40,000 bytes, fine-tuned on 2 budgets and trained from scratch on 4, 100 resamples.
        public static func quick(seed: UInt64 = 0) -> Design {
            Design(range: [3e3, 1.5e4], count: 2, pretrainingTokens: 4e4, fineTuningRange: [4e3, 1.6e4], fineTuningCount: 2,
                   scratchRange: [4e3, 1.28e5], scratchCount: 4, seed: seed, bootstrap: 100)
        }

        /// Checks the design: increasing positive ranges, at least 2 sizes and 2 fine-tuning
        /// budgets (the fit has 3 constants and needs N and D_F to vary apart), at least 2
        /// from-scratch budgets, a context from 2 to 1024, a level in (0, 1).
        public func validate() throws {
            func bad(_ s: String) -> StudyError { .unusable("the transfer study's design: " + s) }
            func increasing(_ r: [Double], low: Double) -> Bool { r.count == 2 && r.allSatisfy { $0.isFinite && $0 >= low && $0 <= 1e12 } && r[0] < r[1] }
            guard increasing(range, low: 100), range[1] <= 1e9 else {
                throw bad("the range must be two increasing sizes from 100 to 1e9 parameters, got \(range)")
            }
            guard (2...20).contains(count) else { throw bad("the fit needs at least 2 sizes (and at most 20), got \(count)") }
            guard context >= 2, context <= 1024 else { throw bad("the context must be from 2 to 1024 bytes, got \(context)") }
            let window = Double(context + 1)
            guard pretrainingTokens.isFinite, pretrainingTokens >= window, pretrainingTokens <= 1e12 else {
                throw bad("the pre-training tokens must be from the context + 1 (\(context + 1)) to 1e12, got \(pretrainingTokens)")
            }
            guard increasing(fineTuningRange, low: window), (2...20).contains(fineTuningCount) else {
                throw bad("the fine-tuning budgets must be 2 to 20 over two increasing token counts from the context + 1 (\(context + 1)) "
                    + "to 1e12, got \(fineTuningCount) over \(fineTuningRange)")
            }
            guard increasing(scratchRange, low: window), (2...40).contains(scratchCount) else {
                throw bad("the from-scratch budgets must be 2 to 40 over two increasing token counts from the context + 1 (\(context + 1)) "
                    + "to 1e12, got \(scratchCount) over \(scratchRange)")
            }
            guard bootstrap >= 0, level > 0, level < 1 else { throw bad("bootstrap must be >= 0 and level in (0, 1)") }
        }
    }

    /// The name of the second corpus (`StudyStage.corpus`): the target domain.
    public static let target = "target"

    /// The study's settings.
    public var design: Design
    /// The folder the runner writes each run's checkpoint to (`RunFiles`): the fine-tuning runs
    /// start from the pre-trained runs' checkpoints there. Absolute.
    public var checkpointFolder: String
    /// Threads to calibrate the wall-time estimate with; nil: no estimate (tests).
    public var calibrationThreads: Int?

    /// The study with `design`, its runs' checkpoints in `checkpointFolder`; `calibrationThreads`
    /// for the plans' wall-time estimates.
    public init(design: Design, checkpointFolder: String, calibrationThreads: Int? = nil) {
        self.design = design
        self.checkpointFolder = checkpointFolder
        self.calibrationThreads = calibrationThreads
    }

    /// `transfer`.
    public var name: String { "transfer" }

    /// The second corpus.
    public var corpora: [String: String] { [Self.target: "the target domain's text (Python source: `make corpus-code`)"] }

    /// Pre-training on the study's corpus, then fine-tuning and training from scratch on the target.
    public var stages: [StudyStage] {
        [
            .ladder("pretrain") { store in try pretraining(estimate: Self.sweep("pretrain", in: store) == nil) },
            .ladder("fine-tune", corpus: Self.target) { store in
                try fineTuning(parents: Self.pretrained(store), estimate: Self.sweep("fine-tune", in: store) == nil)
            },
            .ladder("scratch", corpus: Self.target) { store in try scratch(estimate: Self.sweep("scratch", in: store) == nil) },
        ]
    }

    /// The ladder's shapes rule: transformers of the design's context.
    var rule: ShapeRule { ShapeRule(architecture: .transformer, context: design.context) }

    /// `count` sizes log-spaced over `range` (each shape once), every one on the pre-training tokens,
    /// each keeping its final checkpoint.
    public func pretraining(estimate: Bool = false) throws -> LadderPlan {
        try design.validate()
        var plan = try LadderPlanner.plan(LadderSpec(kind: .fixedData, count: design.count, fixedValue: design.pretrainingTokens,
                                                     range: design.range, rule: rule, seed: design.seed))
        for i in plan.runs.indices { plan.runs[i].config.keepsCheckpoint = true }
        return try finish(plan, estimate: estimate)
    }

    /// Every pre-trained size (`parents`: the pre-training runs' ids by `key(shape)`) on each fine-tuning
    /// budget, started from its parent's checkpoint, each with the trainer's recipe for its budget.
    public func fineTuning(parents: [String: Int64], estimate: Bool = false) throws -> LadderPlan {
        try perSize(range: design.fineTuningRange, count: design.fineTuningCount, estimate: estimate) { shape in
            guard let id = parents[Self.key(shape)] else {
                throw StudyError.unusable("the store has no finished pre-training run of the shape L=\(shape.layers), d=\(shape.dModel); "
                    + "run the study with --fresh")
            }
            return RunFiles(directory: checkpointFolder, runID: id).checkpoint
        }
    }

    /// Every size on each from-scratch budget, from random weights.
    public func scratch(estimate: Bool = false) throws -> LadderPlan {
        try perSize(range: design.scratchRange, count: design.scratchCount, estimate: estimate) { _ in nil }
    }

    /// For each pre-trained shape, a fixed-size ladder of `count` budgets over `range`, its runs
    /// fine-tuned from `parent(shape)` (nil: from scratch).
    func perSize(range: [Double], count: Int, estimate: Bool, parent: (ModelShape) throws -> String?) throws -> LadderPlan {
        let sizes = try pretraining().runs
        var plan: LadderPlan?
        for size in sizes {
            var p = try LadderPlanner.plan(LadderSpec(kind: .fixedSize, count: count, fixedValue: size.targetParameters, range: range,
                                                      rule: rule, seed: design.seed))
            let from = try parent(size.config.shape)
            for i in p.runs.indices { p.runs[i].config.initFrom = from }
            if plan == nil { plan = p } else {
                plan!.runs += p.runs
                plan!.warnings += p.warnings
            }
        }
        return try finish(plan!, estimate: estimate)
    }

    /// Checks every run's config and, when asked, estimates the wall time.
    func finish(_ plan: LadderPlan, estimate: Bool) throws -> LadderPlan {
        var plan = plan
        for r in plan.runs { try r.config.validate() }
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
        return plan
    }

    /// The finished pre-training runs' ids by shape.
    static func pretrained(_ store: RunStore) throws -> [String: Int64] {
        guard let sweep = try sweep("pretrain", in: store) else { return [:] }
        var out: [String: Int64] = [:]
        for run in try store.runs(sweep: sweep) where run.status == .done {
            if let c = run.trainingConfig, let id = run.id { out[key(c.shape)] = id }
        }
        return out
    }

    /// A shape as a dictionary key (every dimension).
    static func key(_ shape: ModelShape) -> String { String(describing: shape) }

    /// The sweep of `stage`, if the store has it.
    static func sweep(_ stage: String, in store: RunStore) throws -> Int64? {
        let name = StudyRunner<TransferStudy>.storedName(study: "transfer", stage: stage)
        return try store.sweeps().first { $0.name == name }?.id
    }
}
