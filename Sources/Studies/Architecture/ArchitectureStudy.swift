import Foundation
import Lab
import ScalingLaws
import Trainer

/// The architecture study: do a transformer and an LSTM follow the same power law in N with
/// different exponents, and where in the context does the LSTM fall behind? Kaplan et al.'s
/// comparison (arXiv:2001.08361, §3.2.1 and Fig. 7) on our own ladders.
///
/// Stages: a ladder of transformers, then a ladder of LSTMs, the same in everything but the
/// architecture: `count` sizes log-spaced over the same range of total parameters (each realized
/// by `ShapeRule` for its architecture), every run on the same D tokens with the same seed and
/// the trainer's default recipe (the LSTMs at `lstmLearningRateFactor` times its learning
/// rate), and every finished model scored at each context position
/// (`TrainingConfig.evaluatesContextPositions`). Then, per architecture, Kaplan's law
///
///     L(N) = (N_c/N)^α_N,   N = non-embedding parameters,
///
/// and the same form against the run's training FLOPs C, each fitted by least squares in log
/// space with bootstrap intervals (`ArchitectureStudy.fit`); and the loss by context position
/// of each pair of sizes (docs/science.md, §The architecture study).
public struct ArchitectureStudy: Study {
    /// Everything that decides the study's ladders and fits.
    public struct Design: Sendable, Codable, Equatable {
        /// The smallest and largest target size (all parameters) of each architecture's ladder.
        public var range: [Double]
        /// Sizes per architecture, log-spaced over `range`.
        public var count: Int
        /// Tokens D every run trains on.
        public var tokens: Double
        /// The context T of every model (bytes): the positions the per-position loss covers.
        public var context: Int
        /// The seed of every run and of the bootstrap.
        public var seed: UInt64
        /// Bootstrap resamples behind every interval.
        public var bootstrap: Int
        /// The nominal level of the intervals.
        public var level: Double
        /// The LSTMs' peak learning rate over the trainer's rule (`Hyperparameters.defaults`),
        /// which was tuned on transformers: 10 by default. Measured (2026-12-02, Shakespeare, 300k
        /// bytes, context 64, release build): a 1-layer LSTM of hidden size 32 reached 2.378 nats
        /// per byte at the rule's 0.01, 2.165 at 0.03, 2.006 at 0.1 and 2.115 at 0.3; a 2-layer
        /// one of 64: 2.559, 2.187, 2.016 and 1.993; the transformers of the rule were best at
        /// the rule's own rate (L1 d32: 2.318 at 0.01, 2.455 at 0.03; L2 d64: 2.461 and 2.601).
        /// Kaplan et al. compare tuned LSTMs; an LSTM at a transformer's rate is not one.
        public var lstmLearningRateFactor: Double

        /// A design; see the properties. `validate()` checks it.
        public init(range: [Double], count: Int, tokens: Double, context: Int = 64, seed: UInt64 = 0,
                    bootstrap: Int = 200, level: Double = 0.9, lstmLearningRateFactor: Double = 10) {
            self.range = range
            self.count = count
            self.tokens = tokens
            self.context = context
            self.lstmLearningRateFactor = lstmLearningRateFactor
            self.seed = seed
            self.bootstrap = bootstrap
            self.level = level
        }

        /// The full study: 6 sizes per architecture from 1e4 to 3e5 parameters, each on 1M
        /// bytes (about one pass over the default corpus's training split), context 64. About
        /// 10 minutes on 2 cores.
        public static func full(seed: UInt64 = 0) -> Design {
            Design(range: [1e4, 3e5], count: 6, tokens: 1e6, seed: seed)
        }

        /// The quick study for smoke tests: 3 sizes per architecture from 3e3 to 1.5e4
        /// parameters on 40,000 bytes each, 100 resamples.
        public static func quick(seed: UInt64 = 0) -> Design {
            Design(range: [3e3, 1.5e4], count: 3, tokens: 4e4, seed: seed, bootstrap: 100)
        }

        /// Checks the design: a range of two increasing positive sizes, at least 3 sizes (the
        /// fit has 2 constants), tokens of at least one window, a context from 2 to 1024, a level
        /// in (0, 1).
        public func validate() throws {
            func bad(_ s: String) -> StudyError { .unusable("the architecture study's design: " + s) }
            guard range.count == 2, range.allSatisfy({ $0.isFinite && $0 >= 100 }), range[0] < range[1], range[1] <= 1e9 else {
                throw bad("the range must be two increasing sizes from 100 to 1e9 parameters, got \(range)")
            }
            guard count >= 3, count <= 20 else {
                throw bad("the fit of each architecture needs at least 3 sizes (and at most 20), got \(count)")
            }
            guard context >= 2, context <= 1024 else { throw bad("the context must be from 2 to 1024 bytes, got \(context)") }
            guard tokens.isFinite, tokens >= Double(context + 1), tokens <= 1e12 else {
                throw bad("the tokens per run must be from the context + 1 (\(context + 1)) to 1e12, got \(tokens)")
            }
            guard bootstrap >= 0, level > 0, level < 1 else { throw bad("bootstrap must be >= 0 and level in (0, 1)") }
            guard lstmLearningRateFactor.isFinite, lstmLearningRateFactor > 0, lstmLearningRateFactor <= 1000 else {
                throw bad("the LSTMs' learning-rate factor must be positive and at most 1000, got \(lstmLearningRateFactor)")
            }
        }
    }

    /// The architectures compared, in the order their ladders train.
    public static let architectures: [Architecture] = [.transformer, .lstm]

    /// The study's settings.
    public var design: Design
    /// Threads to calibrate the wall-time estimate with; nil: no estimate (tests).
    public var calibrationThreads: Int?

    /// The study with `design`; `calibrationThreads` for the plans' wall-time estimates.
    public init(design: Design, calibrationThreads: Int? = nil) {
        self.design = design
        self.calibrationThreads = calibrationThreads
    }

    /// `architecture`.
    public var name: String { "architecture" }

    /// One ladder per architecture, named after it.
    public var stages: [StudyStage] {
        Self.architectures.map { arch in
            .ladder(arch.rawValue) { store in try ladder(arch, estimate: Self.sweep(arch, in: store) == nil) }
        }
    }

    /// The ladder of `architecture`: `count` target sizes log-spaced over `range`, each the
    /// rule's nearest shape of that architecture (a size the rule realizes twice is kept once),
    /// all on `tokens` tokens with the default recipe (the LSTMs' learning rate ×
    /// `lstmLearningRateFactor`), scored at each context position.
    public func ladder(_ architecture: Architecture, estimate: Bool = false) throws -> LadderPlan {
        try design.validate()
        var plan = try LadderPlanner.plan(LadderSpec(kind: .fixedData, count: design.count, fixedValue: design.tokens,
                                                     range: design.range,
                                                     rule: ShapeRule(architecture: architecture, context: design.context),
                                                     seed: design.seed))
        for i in plan.runs.indices {
            plan.runs[i].config.evaluatesContextPositions = true
            if architecture == .lstm { plan.runs[i].config.hyperparameters.learningRate *= design.lstmLearningRateFactor }
            try plan.runs[i].config.validate()
        }
        if estimate, let threads = calibrationThreads { plan.estimate(with: try Calibration.estimate(for: plan, threads: threads)) }
        return plan
    }

    /// The sweep of `architecture`'s ladder, if the store has it.
    static func sweep(_ architecture: Architecture, in store: RunStore) throws -> Int64? {
        let name = StudyRunner<ArchitectureStudy>.storedName(study: "architecture", stage: architecture.rawValue)
        return try store.sweeps().first { $0.name == name }?.id
    }
}
