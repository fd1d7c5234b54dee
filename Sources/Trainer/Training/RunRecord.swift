import Foundation
import ScalingLaws

/// How a run ended.
public enum RunStatus: String, Sendable, Codable {
    /// Trained the whole token budget.
    case completed
    /// A loss became NaN or infinite; the record says at which step.
    case diverged
    /// Stopped on request (Ctrl-C); a checkpoint was written to resume from.
    case interrupted
}

/// One point of the learning curve: validation loss after `tokens` training tokens.
public struct CurvePoint: Sendable, Codable, Equatable {
    public var step: Int
    public var tokens: Int
    /// Mean training loss of the step that ended here (nats/token).
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationBitsPerByte: Double
    public var learningRate: Double
    /// The gradient noise measured over the steps since the previous curve point
    /// (`TrainingConfig.noiseScaleEvery`); nil when not measured.
    public var gradientNoise: GradientNoise?

    public init(step: Int, tokens: Int, trainLoss: Double, validationLoss: Double, validationBitsPerByte: Double,
                learningRate: Double, gradientNoise: GradientNoise? = nil) {
        self.step = step; self.tokens = tokens; self.trainLoss = trainLoss; self.validationLoss = validationLoss
        self.validationBitsPerByte = validationBitsPerByte; self.learningRate = learningRate; self.gradientNoise = gradientNoise
    }
}

/// The record of one training run: the `--out` JSON of `scalelab train`.
public struct RunRecord: Sendable, Codable, Equatable {
    public var version: String
    public var status: RunStatus
    /// A human sentence on how the run ended.
    public var message: String
    public var config: TrainingConfig
    public var data: DataSummary
    /// N, all parameters (embeddings included).
    public var parameters: Int
    /// N without embeddings (Kaplan's convention).
    public var nonEmbeddingParameters: Int
    public var steps: Int
    /// Tokens actually trained on (steps × batch × T; at least the budget when completed).
    public var tokens: Int
    /// The scaling-law compute C of the run: `flopsPerToken × tokens`.
    public var flops: Double
    /// `ModelShape.trainingFLOPsPerToken`: training FLOPs per token with attention over the
    /// causal context (`FLOPCountingMethod.exact`), the convention of C.
    public var flopsPerToken: Double
    /// `ModelShape.executedTrainingFLOPsPerToken`: training FLOPs per token the kernels execute
    /// (attention over the T×T blocks on and below the diagonal); what `mfu` counts. Nil in
    /// records written before it was recorded.
    public var executedFLOPsPerToken: Double?
    /// Wall time of the run (all sessions), evaluation included.
    public var wallSeconds: Double
    /// Training throughput: tokens per second of optimizer steps, learning-curve evaluation excluded.
    public var tokensPerSecond: Double
    /// Steady-state throughput: as `tokensPerSecond` but without the first
    /// `RunRecord.warmupStepsUntimed` steps of the session (first-touch page faults, caches),
    /// the figure the benchmark compares with PyTorch's timed steps. Nil when the session ran no
    /// more steps than that.
    public var steadyTokensPerSecond: Double?
    /// Steps at the start of a session that `steadyTokensPerSecond` leaves out.
    public static let warmupStepsUntimed = 2
    /// Model FLOPs utilization: `tokensPerSecond × executedFLOPsPerToken ÷ peakFLOPS`, the
    /// FLOP/s of the work the kernels do against the measured peak (nil if no peak given).
    public var mfu: Double?
    /// The machine's measured single-precision GEMM peak for `config.threads` threads.
    public var peakFLOPS: Double?
    /// Bytes the engine's buffers need by arithmetic: parameters, gradients, AdamW m and v
    /// (4 × N floats) plus activations and gradient work space.
    public var bufferBytes: Int = 0
    /// Peak resident memory of the process (Linux VmHWM), for comparison with `bufferBytes`.
    public var peakResidentBytes: Int?
    /// Resident memory just before the model was allocated: the Swift runtime, OpenBLAS and the
    /// corpus, a fixed floor. `peakResidentBytes − baselineResidentBytes` is what training added.
    public var baselineResidentBytes: Int?
    public var learningCurve: [CurvePoint]
    /// The mean training loss of every step, in order (what determinism and resume tests compare).
    public var stepLosses: [Double]
    public var finalTrainLoss: Double?
    /// Mean loss over the whole validation set (nats/token), nil unless completed.
    public var finalValidationLoss: Double?
    public var finalValidationBitsPerByte: Double?
    public var seed: UInt64
    /// The step (1-based) whose training loss was NaN or infinite, for a diverged run; that loss
    /// is the last of `stepLosses`. Nil for a run that did not diverge.
    public var divergedAtStep: Int?
    /// Task evaluations made during training (`--eval`), in step order; nil when none were asked for.
    public var evaluations: [TaskEvaluation]?
    /// For a fine-tuning run (`config.initFrom`), the run whose checkpoint it started from; nil
    /// for a run from scratch (and absent from records written before fine-tuning existed).
    public var parent: ParentRun?

    init(version: String, status: RunStatus, message: String, config: TrainingConfig, data: DataSummary,
         parameters: Int, nonEmbeddingParameters: Int) {
        self.version = version; self.status = status; self.message = message; self.config = config
        self.data = data; self.parameters = parameters; self.nonEmbeddingParameters = nonEmbeddingParameters
        seed = config.seed; steps = 0; tokens = 0; flops = 0; flopsPerToken = config.shape.trainingFLOPsPerToken
        executedFLOPsPerToken = config.shape.executedTrainingFLOPsPerToken
        wallSeconds = 0; tokensPerSecond = 0; learningCurve = []; stepLosses = []
    }
}

/// The data a run saw: where from and how it was split.
public struct DataSummary: Sendable, Codable, Equatable {
    public var source: String
    public var trainBytes: Int
    public var validationBytes: Int
    /// Validation bytes used at learning-curve points (a prefix of the validation set).
    public var curveValidationBytes: Int
    /// Bytes of the mixed training stream (corpus training bytes plus task lines) when the
    /// config has a `mix`; nil otherwise.
    public var mixedTrainBytes: Int?
    /// The unique-token cap U (`TrainingConfig.uniqueTokens`): the run trained on the first U
    /// training bytes only; nil: on all `trainBytes`.
    public var uniqueTokens: Int?
}

extension RunRecord {
    /// Epochs over the unique tokens: tokens trained on ÷ U, with U the cap or, without one,
    /// the training split's bytes (a run without a cap samples at random offsets, so its
    /// "epochs" are a count of tokens, not passes).
    public var epochs: Double { Double(tokens) / Double(max(1, data.uniqueTokens ?? data.trainBytes)) }
}

extension RunRecord {
    /// The JSON encoder of run records (and of checkpoints' and progress files' JSON): non-finite
    /// numbers, such as the losses of a diverged run, as the strings "nan", "inf" and "-inf", as
    /// everywhere ScaleLab writes JSON (the store's columns, `--json` output). Keys sorted.
    public static func jsonEncoder(pretty: Bool = true) -> JSONEncoder {
        JSONConventions.encoder(pretty ? .prettyPrinted : [])
    }

    /// The decoder matching `jsonEncoder`: reads "nan", "inf" and "-inf" back as numbers.
    public static func jsonDecoder() -> JSONDecoder { JSONConventions.decoder() }
}
