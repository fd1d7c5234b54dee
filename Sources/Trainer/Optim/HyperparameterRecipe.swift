import Foundation

/// Which rule sets a planned run's hyperparameters (`ladder plan --recipe`, `demo --recipe`).
public enum HyperparameterRecipe: String, Sendable, Codable, CaseIterable {
    /// `Hyperparameters.defaults`.
    case `default`
    /// `CandidateRecipe()` applied to the defaults: the recipe `scalelab study hyperparameters`
    /// suggested, under test (docs/science.md, §The hyperparameter study).
    case candidate

    /// The hyperparameters of a model of `shape` trained on `tokens` tokens.
    public func hyperparameters(for shape: ModelShape, tokens: Int) -> Hyperparameters {
        let h = Hyperparameters.defaults(for: shape, tokens: tokens)
        switch self {
        case .default: return h
        case .candidate: return CandidateRecipe().apply(to: h, shape: shape, tokens: tokens)
        }
    }
}

/// A recipe to test against the default as a whole: the batch by its own power law in N and a
/// warm-up and β₂ of its own; the peak learning rate and the cosine are the default's.
///
/// The default values are what `scalelab study hyperparameters` and its replication suggested
/// (2026-12-03, seeds 0–3, docs/science.md §The hyperparameter study): the optimal batch
/// `634·(N/10⁵)^0.72` tokens (the geometric mean of the two runs' fits, 527·N^0.66 and
/// 762·N^0.78), rounded to a power of 2 of at least one sequence and at most the tokens/400 of
/// the default rule; a warm-up of 10% of the run (25% helped the 1.3·10⁴ model in all four
/// seeds, 1% hurt; 10% is in between); β₂ 0.99 (better in three of four checks). On fresh seeds
/// it lowered the loss of a 7.3·10³-parameter model by 0.087 nats and changed a 5.7·10⁴ one's by
/// +0.004.
public struct CandidateRecipe: Sendable, Codable, Equatable {
    /// The batch in tokens at N = 10⁵ non-embedding parameters, and its exponent in N.
    public var batchAt100k: Double = 634, batchExponent: Double = 0.72
    /// The warm-up as a fraction of the run's tokens.
    public var warmupFraction: Double = 0.1
    /// AdamW's β₂.
    public var beta2: Double = 0.99

    public init() {}

    /// The candidate's batch (sequences) for `shape` trained on `tokens` tokens (N at least 10⁴,
    /// as the default rule reads it).
    public func batch(for shape: ModelShape, tokens: Int) -> Int {
        let n = Double(max(10_000, shape.nonEmbeddingParameterCount))
        return Hyperparameters.batchSequences(idealTokens: batchAt100k * pow(n / 1e5, batchExponent),
                                              floorTokens: Double(shape.context), capFloorTokens: Double(shape.context),
                                              shape: shape, tokens: tokens)
    }

    /// `h` (the default recipe of `shape` on `tokens` tokens) with the candidate's batch
    /// (`batch(for:tokens:)` unless given), warm-up and β₂.
    public func apply(to h: Hyperparameters, shape: ModelShape, tokens: Int, batch given: Int? = nil) -> Hyperparameters {
        var h = h
        h.batch = given ?? batch(for: shape, tokens: tokens)
        h.microBatch = Hyperparameters.defaultMicroBatch(for: shape, batch: h.batch)
        h.warmupTokens = max(1, Int(warmupFraction * Double(tokens)))
        h.adamw.beta2 = beta2
        return h
    }

    /// Whether every value is in range: a batch law of at least one token with an exponent within
    /// ±3, a warm-up fraction and β₂ in (0, 1).
    public var isValid: Bool {
        batchAt100k.isFinite && batchAt100k >= 1 && batchExponent.isFinite && abs(batchExponent) <= 3
            && warmupFraction > 0 && warmupFraction < 1 && beta2 > 0 && beta2 < 1
    }
}
