/// Everything that determines a run's losses: shape, budget, seed, hyperparameters, threads.
/// Same config and data ⇒ bitwise the same losses.
public struct TrainingConfig: Sendable, Codable, Equatable {
    public var shape: ModelShape
    /// Token budget D. The run takes ⌈D / (batch·T)⌉ optimizer steps; the schedule spans them.
    public var tokens: Int
    public var seed: UInt64
    public var hyperparameters: Hyperparameters
    /// Threads for OpenBLAS and the Swift kernels. Part of the config because the order of
    /// floating-point sums, and so the last bits of the losses, depends on it.
    public var threads: Int
    /// Fraction of the corpus (its end) held out for validation.
    public var validationFraction: Double = 0.1
    /// Number of log-spaced learning-curve points (the last is always the final step).
    public var curvePoints: Int = 12
    /// Learning-curve points evaluate the first this-many validation bytes; the final loss uses
    /// the whole validation set. Both are the same bytes for every run of a ladder.
    public var curveValidationBytes: Int = 1 << 16
    /// Save a checkpoint every this many steps (0: only on interruption).
    public var checkpointEverySteps: Int = 0
    /// Task example lines mixed into the training bytes (`--mix`), each with its fraction of
    /// them; nil (or absent from older records and checkpoints) trains on the corpus alone. The
    /// validation bytes are always the plain corpus's.
    public var mix: [TaskMixture]?
    /// Tasks evaluated at every learning-curve point (`--eval`), by name; nil: none.
    public var evaluationTasks: [String]?
    /// Held-out examples per evaluated task (nil: `TaskSuite.defaultEvaluationExamples`). Every
    /// run draws them with seed 0, so all runs of a ladder are scored on the same problems.
    public var evaluationExamples: Int?
    /// Fine-tuning (`--init-from`): the checkpoint file whose parameters the run starts from,
    /// instead of a random initialization. Only the parameters are taken: the optimizer state,
    /// step counter, learning-rate schedule, data order and token budget are this run's own. The
    /// checkpoint's shape must equal `shape`. Nil (or absent from older records and checkpoints):
    /// a run from scratch.
    public var initFrom: String?
    /// A cap on unique tokens U (`--unique-tokens`): the run trains on the first U bytes of the
    /// training split only, repeated for as many epochs as its token budget needs, in an order
    /// drawn from the seed (`EpochSampler`); validation stays the whole held-out split, so losses
    /// compare with uncapped runs'. Nil (or absent from older records and checkpoints): the whole
    /// training split, sampled at random offsets (`BatchSampler`).
    public var uniqueTokens: Int?
    /// Score the finished model's validation loss at each context position too
    /// (`evaluateByPosition`), stored as evaluations of the pseudo-task `context-position`, one
    /// metric per log-spaced bucket (`ContextPositions`). Nil or false (and absent from older
    /// records and checkpoints): not scored.
    public var evaluatesContextPositions: Bool?
    /// Keep the run's final checkpoint when a ladder runner completes it (it removes a completed
    /// run's checkpoint otherwise), for runs that fine-tune from it (`initFrom`: a study's
    /// pre-trained models). Nil or false (and absent from older records and checkpoints): removed.
    /// Changes no loss.
    public var keepsCheckpoint: Bool?
    /// Measure the gradient noise scale (`GradientNoise`) every this many steps
    /// (`--noise-scale-every`), reported per learning-curve window; needs a batch of at least 2
    /// sequences. Each measurement costs one forward and backward pass of one sequence. Nil (and
    /// absent from older records and checkpoints): not measured. Changes no loss.
    public var noiseScaleEvery: Int?

    public init(shape: ModelShape, tokens: Int, seed: UInt64 = 0, hyperparameters: Hyperparameters? = nil,
                threads: Int = 1) {
        self.shape = shape
        self.tokens = tokens
        self.seed = seed
        self.hyperparameters = hyperparameters ?? .defaults(for: shape, tokens: max(1, tokens))
        self.threads = threads
    }

    public var tokensPerStep: Int { hyperparameters.batch * shape.context }
    public var steps: Int { (tokens + tokensPerStep - 1) / tokensPerStep }
    public var accumulationSteps: Int { hyperparameters.batch / hyperparameters.microBatch }

    public var schedule: LearningRateSchedule {
        let warm = (hyperparameters.warmupTokens + tokensPerStep - 1) / tokensPerStep
        return LearningRateSchedule(peak: hyperparameters.learningRate, warmupSteps: warm, totalSteps: steps,
                                    finalFraction: hyperparameters.finalLearningRateFraction)
    }

    /// Checks every value before any work starts; the message names the flag to change.
    /// The largest batch, in sequences.
    public static let maximumBatch = 1 << 20
    /// The most tokens one micro-batch may hold (micro-batch × context).
    public static let maximumMicroBatchTokens = 1 << 20

    public func validate() throws {
        func bad(_ m: String) -> TrainerError { .invalidConfiguration(m) }
        try shape.validate()
        let h = hyperparameters
        guard tokens > 0 else { throw bad("--tokens must be positive, got \(tokens)") }
        guard h.batch >= 1 else { throw bad("--batch must be at least 1, got \(h.batch)") }
        guard h.microBatch >= 1, h.batch % h.microBatch == 0 else {
            throw bad("--micro-batch \(h.microBatch) must divide --batch \(h.batch)")
        }
        // A micro-batch's activations are held in memory at once; past a million tokens they
        // would not fit a machine this trainer is for (and huge values overflowed or hung).
        guard h.batch <= Self.maximumBatch else { throw bad("--batch must be at most \(Self.maximumBatch) sequences, got \(h.batch)") }
        guard h.microBatch <= Self.maximumMicroBatchTokens / max(1, shape.context) else {
            throw bad("--micro-batch \(h.microBatch) × context \(shape.context) is more than \(Self.maximumMicroBatchTokens) tokens held at once; "
                      + "give a smaller --micro-batch (it must divide --batch)")
        }
        guard h.learningRate > 0, h.learningRate.isFinite else { throw bad("--lr must be positive and finite, got \(h.learningRate)") }
        guard (0.0...1).contains(h.finalLearningRateFraction) else {
            throw bad("--final-lr-fraction must be in [0, 1], got \(h.finalLearningRateFraction)")
        }
        guard h.warmupTokens >= 0 else { throw bad("--warmup-tokens must be ≥ 0, got \(h.warmupTokens)") }
        guard threads >= 1 else { throw bad("--threads must be at least 1, got \(threads)") }
        guard validationFraction > 0, validationFraction < 1 else { throw bad("validation fraction must be in (0, 1), got \(validationFraction)") }
        guard curvePoints >= 1 else { throw bad("curve points must be at least 1, got \(curvePoints)") }
        guard (0.0..<1).contains(h.adamw.beta1), (0.0..<1).contains(h.adamw.beta2) else {
            throw bad("AdamW betas must be in [0, 1), got \(h.adamw.beta1), \(h.adamw.beta2)")
        }
        if let mix { try TaskMixture.validate(mix) }
        if let k = noiseScaleEvery {
            guard k >= 1 else { throw bad("--noise-scale-every must be at least 1 step, got \(k)") }
            guard h.batch >= 2 else {
                throw bad("--noise-scale-every compares the gradient of one sequence with the step's whole batch, so it needs --batch of at least 2 sequences, got \(h.batch)")
            }
        }
        if let initFrom, initFrom.isEmpty { throw bad("--init-from must name a checkpoint file, got an empty path") }
        if let U = uniqueTokens {
            guard U >= shape.context + 1 else {
                throw bad("--unique-tokens must be at least the context + 1 = \(shape.context + 1) bytes (one window), got \(U)")
            }
            guard mix == nil else {
                throw bad("--unique-tokens cannot be combined with --mix: the cap is on the corpus's bytes; drop one of them")
            }
        }
        _ = try evaluationSuites()
    }

    /// The tasks of `evaluationTasks`, checked: known names, each once, each fitting the
    /// context, and `evaluationExamples` that each task can supply. Empty when none are asked for.
    public func evaluationSuites() throws -> [TaskSuite] {
        guard let names = evaluationTasks else {
            guard evaluationExamples == nil else { throw TrainerError.invalidConfiguration("--eval-examples needs --eval") }
            return []
        }
        let suites = try TaskSuite.parseList(names.joined(separator: ","))
        let n = evaluationExamples ?? TaskSuite.defaultEvaluationExamples
        guard n >= 1 else { throw TrainerError.invalidConfiguration("--eval-examples must be at least 1, got \(n)") }
        for t in suites {
            guard t.evaluationContext <= shape.context else {
                throw TrainerError.invalidConfiguration(
                    "--eval task '\(t)' needs a context of at least \(t.evaluationContext) bytes (newline, prompt, answer and 2 more); --context is \(shape.context)")
            }
            guard t.evaluationOverlapsTraining || n <= t.maximumEvaluationExamples else {
                throw TrainerError.invalidConfiguration(
                    "--eval task '\(t)' can give at most \(t.maximumEvaluationExamples) held-out examples; --eval-examples is \(n)")
            }
        }
        return suites
    }

    /// Steps (1-based counts of steps done) after which the learning curve is evaluated:
    /// about `curvePoints` log-spaced values in 1…steps, always including the last.
    public var curveSteps: [Int] {
        let S = steps, P = curvePoints
        guard P > 1, S > 1 else { return [S] }
        var out = Set<Int>()
        for k in 0..<P {
            let x = Double(k) / Double(P - 1)
            out.insert(min(S, max(1, Int((exp(x * log(Double(S)))).rounded()))))
        }
        return out.sorted()
    }
}

import Foundation
