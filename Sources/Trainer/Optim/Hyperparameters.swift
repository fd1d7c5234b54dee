import Foundation

/// The optimization settings of one run. `defaults(for:tokens:)` gives the documented rule;
/// every field can be overridden afterwards (the command line does so flag by flag).
public struct Hyperparameters: Sendable, Codable, Equatable {
    /// Peak learning rate η.
    public var learningRate: Double
    /// Sequences per optimizer step (B); tokens per step = B·T.
    public var batch: Int
    /// Sequences per forward pass; `batch` must be a multiple. batch/microBatch = accumulation steps.
    public var microBatch: Int
    /// Warm-up length in tokens (rounded up to whole steps).
    public var warmupTokens: Int
    public var adamw: AdamWConfig
    /// The cosine ends at this fraction of the peak.
    public var finalLearningRateFraction: Double

    public init(learningRate: Double, batch: Int, microBatch: Int, warmupTokens: Int,
                adamw: AdamWConfig = AdamWConfig(), finalLearningRateFraction: Double = 0.1) {
        self.learningRate = learningRate
        self.batch = batch
        self.microBatch = microBatch
        self.warmupTokens = warmupTokens
        self.adamw = adamw
        self.finalLearningRateFraction = finalLearningRateFraction
    }

    /// The default rule for a model of `shape` trained on `tokens` tokens.
    ///
    /// With N = non-embedding parameters (at least 10⁴):
    /// - learning rate `η = 10⁻²·(N/10⁵)^(−1/3)`, clamped to [2·10⁻⁴, 10⁻²]: larger models
    ///   want smaller steps; the −1/3 slope sits between DeepSeek's fitted η ∝ C^−0.125
    ///   (≈ N^−0.25 at a fixed tokens-per-parameter ratio) and μP-style 1/width rules (≈ N^−1/2).
    ///   Measured on the demo ladder: the earlier rule (2·10⁻³·(N/10⁶)^(−1/4), at most 4·10⁻³)
    ///   under-trained the 10⁴–10⁵-parameter models (a 72k model: 1.78 nats at 4·10⁻³, 1.73 at
    ///   10⁻²), and the fitted ladder wanted 1,000+ tokens per parameter; with this rule it
    ///   wants ~20–30 and its exponents a come out at 0.4–0.6. The cap was 2·10⁻² until a sweep
    ///   (η ∈ {2.5·10⁻³ … 4·10⁻²}, two seeds, one-layer d 16–48 and two-layer d 48–64 models at
    ///   ladder budgets) showed 2·10⁻² unstable on the 1-layer d 32–48 models (2.36–2.62 nats
    ///   against 2.03–2.26 at 5·10⁻³–10⁻², seed-to-seed spread up to 0.1 nats) while 10⁻² was
    ///   within noise of the best everywhere except the tiniest (d ≤ 16) models;
    /// - batch tokens `2^round(log₂(2048·(N/10⁶)^(1/2)))`, clamped to [256, 65536] and to at
    ///   most tokens/400 so every run takes at least ~400 steps: small models want small batches
    ///   (Porian et al. 2024, arXiv:2406.19146; Kaplan's B_crit grows as the loss falls). Measured
    ///   on the demo ladder: a 72k-parameter model on 2.1M bytes reached 2.12 nats with 4,096-token
    ///   batches (509 steps) and 1.78 with 512-token batches (4,072 steps); the earlier rule
    ///   (8192·(N/10⁶)^(1/3), floor 2048, ≥ 100 steps) made every larger model of a CPU ladder lose
    ///   to the smallest. batch = batch tokens / T sequences, at least 1;
    /// - warm-up `min(N_total, tokens/10)` tokens: no longer than the smallest runs of a ladder
    ///   can afford and never more than a tenth of any run (Porian et al.'s second correction);
    /// - micro-batch: the largest divisor of the batch whose activations fit in 2 GiB.
    public static func defaults(for shape: ModelShape, tokens: Int) -> Hyperparameters {
        let n = Double(max(10_000, shape.nonEmbeddingParameterCount))
        let lr = min(1e-2, max(2e-4, 1e-2 * pow(n / 1e5, -1.0 / 3)))
        let batch = batchSequences(idealTokens: 2048 * pow(n / 1e6, 0.5), floorTokens: 256, capFloorTokens: 1,
                                   shape: shape, tokens: tokens)
        let warmup = min(shape.parameterCount, tokens / 10)
        return Hyperparameters(learningRate: lr, batch: batch,
                               microBatch: defaultMicroBatch(for: shape, batch: batch),
                               warmupTokens: warmup)
    }

    /// Sequences per optimizer step for a batch of about `idealTokens` tokens: rounded to a power
    /// of 2 in log space, at least `floorTokens` and at most 65,536 tokens, at most
    /// `max(capFloorTokens, tokens/400)` so that a run takes at least about 400 steps, then in
    /// whole sequences of the shape's context (at least one). The default rule and
    /// `CandidateRecipe` differ only in the ideal and the floors.
    static func batchSequences(idealTokens: Double, floorTokens: Double, capFloorTokens: Double,
                               shape: ModelShape, tokens: Int) -> Int {
        var batchTokens = pow(2, log2(idealTokens).rounded())
        batchTokens = min(65_536, max(floorTokens, batchTokens))
        batchTokens = min(batchTokens, max(capFloorTokens, Double(tokens) / 400))
        return max(1, Int(batchTokens) / shape.context)
    }

    /// The largest divisor of `batch` whose activation buffers stay within `budgetBytes`.
    public static func defaultMicroBatch(for shape: ModelShape, batch: Int, budgetBytes: Int = 2 << 30) -> Int {
        let perSequence = max(1, activationFloatsPerSequence(shape) * 4)
        let fit = max(1, budgetBytes / perSequence)
        // The largest divisor of the batch that fits: counted down from the fit, not from the
        // batch (a batch of Int.max took forever).
        return (1...max(1, min(batch, fit))).reversed().first { batch % $0 == 0 } ?? 1
    }
}

/// Activation and gradient-scratch floats per sequence (the models allocate this times the
/// micro-batch, plus a T×T attention scratch).
func activationFloatsPerSequence(_ s: ModelShape) -> Int {
    switch s.architecture {
    case .transformer:
        return TransformerActivations(s, batch: 1).count + TransformerGradientScratch(s, batch: 1).count
    case .lstm:
        return LSTMActivationFloatsPerSequence(s)
    }
}
