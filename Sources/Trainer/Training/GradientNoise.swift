/// The gradient noise scale of McCandlish et al. 2018 ("An Empirical Model of Large-Batch
/// Training", arXiv:1812.06162, App. A.1), measured during training.
///
/// A batch of B tokens gives the gradient estimate G_B, the true gradient G plus noise of
/// covariance Σ/B (Σ the per-token gradient covariance), so `E|G_B|² = |G|² + tr(Σ)/B`. Two
/// batch sizes B_small < B_big therefore give unbiased estimates of both terms:
///
///     |G|²  ≈ (B_big·|G_big|² − B_small·|G_small|²) / (B_big − B_small)
///     tr(Σ) ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
///
/// Each single estimate is very noisy (|G|² can come out negative); the two terms are averaged
/// separately over the measured steps of a window and divided only then:
/// `B_simple = tr(Σ)/|G|²`, in tokens. Under the paper's assumptions B_simple ≈ B_noise ≈ the
/// critical batch size B_crit, below which steps are wasted on noise and above which data is.
///
/// The trainer measures it at every `TrainingConfig.noiseScaleEvery`-th step from the step's own
/// batch: G_big is the step's gradient (all `batch` sequences), G_small the gradient of its last
/// micro-batch's first sequence, computed after the step's backward passes and thrown away (the
/// step's gradient is restored bitwise, so measuring changes no loss). Tokens within a sequence
/// are correlated, so the sequence, not the token, is the unit that is sampled; the estimates
/// are in tokens because B_small and B_big are counted in tokens (T per sequence), which makes
/// B_simple the token batch Kaplan et al. 2020 (§5.1) call B_crit.
public struct GradientNoise: Sendable, Codable, Equatable {
    /// Steps measured in the window.
    public var measurements: Int
    /// The mean of the steps' unbiased estimates of |G|², the squared norm of the true gradient.
    public var gradientSquaredNorm: Double
    /// The mean of the steps' unbiased estimates of tr(Σ), the trace of the per-token covariance.
    public var trace: Double
    /// `trace/gradientSquaredNorm` (tokens); nil when the |G|² estimate is not positive (the
    /// window's gradients were all noise: too few measurements, or a loss at its floor).
    public var simpleNoiseScale: Double?

    public init(measurements: Int, gradientSquaredNorm: Double, trace: Double) {
        self.measurements = measurements
        self.gradientSquaredNorm = gradientSquaredNorm
        self.trace = trace
        let b = trace / gradientSquaredNorm
        self.simpleNoiseScale = gradientSquaredNorm > 0 && b.isFinite && b > 0 ? b : nil
    }

    /// The noise of stored columns (a store's curve point, a trainer's result file): nil unless
    /// both means are given; a missing count reads as one measurement.
    public init?(gradientSquaredNorm: Double?, trace: Double?, measurements: Int?) {
        guard let gradientSquaredNorm, let trace else { return nil }
        self.init(measurements: measurements ?? 1, gradientSquaredNorm: gradientSquaredNorm, trace: trace)
    }

    /// One step's unbiased estimates of |G|² and tr(Σ) from the squared norms of the gradients
    /// of a small and a big batch (sizes in tokens, `smallBatch < bigBatch`).
    public static func estimates(smallSquaredNorm small: Double, bigSquaredNorm big: Double,
                                 smallBatch bs: Double, bigBatch bb: Double) -> (gradientSquaredNorm: Double, trace: Double) {
        precondition(bs > 0 && bb > bs, "the small batch must be smaller than the big one, got \(bs) and \(bb)")
        return ((bb * big - bs * small) / (bb - bs), (small - big) / (1 / bs - 1 / bb))
    }
}

/// The running sums of one learning-curve window's noise estimates (kept in checkpoints, so a
/// resumed run reports the same windows).
struct GradientNoiseWindow: Codable, Equatable {
    var measurements = 0
    var gradientSquaredNormSum = 0.0
    var traceSum = 0.0

    mutating func add(smallSquaredNorm: Double, bigSquaredNorm: Double, smallBatch: Double, bigBatch: Double) {
        let e = GradientNoise.estimates(smallSquaredNorm: smallSquaredNorm, bigSquaredNorm: bigSquaredNorm,
                                        smallBatch: smallBatch, bigBatch: bigBatch)
        measurements += 1
        gradientSquaredNormSum += e.gradientSquaredNorm
        traceSum += e.trace
    }

    /// The window's averages, nil before any measurement.
    var summary: GradientNoise? {
        measurements == 0 ? nil : GradientNoise(measurements: measurements,
                                                gradientSquaredNorm: gradientSquaredNormSum / Double(measurements),
                                                trace: traceSum / Double(measurements))
    }
}

/// Measures one step's small-batch gradient beside the step's own: `model.gradients` holds the
/// step's mean gradient over `batch` sequences and the model's last forward was a micro-batch
/// whose inputs and targets are still in `inputs`/`targets`. Saves the gradient into `saved`,
/// computes the gradient of the first `smallSequences` sequences, restores the step's gradient
/// bitwise and adds the two squared norms to `window`.
func measureGradientNoise(_ model: any LanguageModel, inputs: UnsafePointer<UInt8>, targets: UnsafePointer<UInt8>,
                          smallSequences: Int, batch: Int, saved: UnsafeMutablePointer<Float>, threads: Int,
                          into window: inout GradientNoiseWindow) {
    let n = model.parameterCount, T = Double(model.shape.context)
    let big = globalNorm(model.gradients, count: n, threads: threads)
    saved.update(from: model.gradients, count: n)
    model.zeroGradients()
    _ = model.forward(inputs: inputs, targets: targets, batch: smallSequences)
    model.backward(lossScale: 1)
    let small = globalNorm(model.gradients, count: n, threads: threads)
    model.gradients.update(from: saved, count: n)
    window.add(smallSquaredNorm: small * small, bigSquaredNorm: big * big,
               smallBatch: Double(smallSequences) * T, bigBatch: Double(batch) * T)
}
