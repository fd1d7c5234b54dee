import ScalingLaws

/// Parameter and FLOP counts of a shape.
///
/// Transformers are counted by ScalingLaws' `TransformerShape`, the same functions behind
/// `scalelab flops` (one source of truth); `transformerShape` says how the trainer's model maps
/// onto it. The LSTM, which `TransformerShape` cannot describe, is counted by `lstmCounts` below,
/// the only LSTM formula in ScaleLab. The tests check both against the flat parameter buffers
/// the layouts actually allocate.
///
/// Two FLOP counts, for two questions:
/// - `trainingFLOPsPerToken` is the scaling-law compute C per token, what a run record's `flops`
///   and the ladder planner (`D = C / f`) use. It counts the attention over the *causal* context
///   (T+1)/2 positions on average, `FLOPCountingMethod.exact`: the work the model needs, as in
///   Kaplan et al. 2020 (arXiv:2001.08361, §2.1), who count the context actually attended.
///   Hoffmann et al. 2022 (arXiv:2203.15556, Appendix F) count the full context instead. The
///   causal count is smaller by `6·L·d·(T−1)` per token, about `T/(12d + V/L + 2T)` of the
///   full-context count with d_ff = 4d: 3–11% for the shapes a CPU ladder trains.
/// - `executedTrainingFLOPsPerToken` is the work the kernels do: the trainer's attention computes
///   the T×T score square in blocks of query rows, skipping the blocks above the diagonal and
///   masking the rest, so it counts between the causal and the full context. MFU divides this
///   by the measured sgemm peak.
extension ModelShape {
    /// This transformer in ScalingLaws' terms; nil for the LSTM.
    ///
    /// The trainer's block is GPT-2's (see `TransformerLayout`): `h·k = d` query width with
    /// separate K and V (`keyValueHeads = heads`, not shared), a plain two-matrix MLP of width
    /// `dFF`, biases on every linear layer and shifts on every layer norm (`biases`), a learned
    /// (T, d) position table, the byte vocabulary V = 256, and the output projection tied to the
    /// token embedding. The shape must pass `validate()` (heads dividing d_model).
    public var transformerShape: TransformerShape? {
        guard architecture == .transformer else { return nil }
        precondition(heads >= 1 && dModel % heads == 0,
                     "validate() the shape first: heads \(heads) must divide dModel \(dModel)")
        return TransformerShape(layers: layers, dModel: dModel, heads: heads, dFF: dFF, headSize: dModel / heads,
                                keyValueHeads: heads, vocabulary: vocab, context: context,
                                tiedEmbeddings: true, gated: false, sharedKeyValue: false,
                                learnedPositions: true, biases: true)
    }

    /// All parameters, embeddings included (Chinchilla's N): exactly the length of the model's
    /// flat parameter buffer.
    public var parameterCount: Int {
        transformerShape?.parameterCount ?? lstmCounts.parameters
    }

    /// Parameters outside the embedding tables (Kaplan et al. 2020's N, arXiv:2001.08361): the
    /// token and position tables are left out, layer norms and biases are in.
    public var nonEmbeddingParameterCount: Int {
        transformerShape?.nonEmbeddingParameterCount ?? lstmCounts.nonEmbedding
    }

    /// Scaling-law training compute per token, forward + backward: C = this × tokens.
    ///
    /// Transformer: `TransformerShape.trainingFLOPsPerToken(method: .exact)`, every matrix
    /// product (the tied logits included) with attention over the causal context. LSTM:
    /// `lstmCounts`.
    public var trainingFLOPsPerToken: Double {
        transformerShape?.trainingFLOPsPerToken(method: .exact) ?? lstmCounts.trainingFLOPsPerToken
    }

    /// Training FLOPs per token the kernels execute, for MFU.
    ///
    /// Transformer: PaLM's model-FLOPs formula `6·N_matmul + 12·L·T·d` (Chowdhery et al. 2022,
    /// arXiv:2204.02311, App. B; `TransformerShape.trainingFLOPsPerToken(method:
    /// .exactFullContext)` for this block) less the attention blocks above the diagonal that
    /// `attentionForward` skips: query rows i0..<i1 of each block attend i1 keys, so the
    /// attention term is `12·L·d·Σ_blocks (i1 − i0)·i1 / T`. LSTM: same as
    /// `trainingFLOPsPerToken` (no attention, nothing masked).
    public var executedTrainingFLOPsPerToken: Double {
        guard let t = transformerShape else { return lstmCounts.trainingFLOPsPerToken }
        let T = context, R = attentionBlockRows
        let attended = stride(from: 0, to: T, by: R).map { i0 in Double((min(T, i0 + R) - i0) * min(T, i0 + R)) }
            .reduce(0, +) / Double(T)
        return t.trainingFLOPsPerToken(method: .exactFullContext) - 12 * Double(layers * dModel) * (Double(T) - attended)
    }

    /// The LSTM's counts (V = vocab, H = dModel, L = layers).
    ///
    /// ```
    /// parameters      = V·H + L·(8H² + 4H)   wte (tied output); per layer W (4H, 2H) on [x, h], bias (4H)
    /// nonEmbedding    = L·(8H² + 4H)
    /// training FLOPs  = 6·(L·8H² + V·H)      per token: 2 per multiply–add forward, ×3 with backward;
    ///                                        the gate products and the tied logits
    /// ```
    /// Element-wise work (gate non-linearities, the cell update) is O(L·H) per token and not
    /// counted, as for the transformer. Meaningless for a transformer shape.
    var lstmCounts: (parameters: Int, nonEmbedding: Int, trainingFLOPsPerToken: Double) {
        let L = layers, H = dModel, V = vocab
        let nonEmbedding = L * (8 * H * H + 4 * H)
        return (nonEmbedding + V * H, nonEmbedding, 6 * Double(L * 8 * H * H + V * H))
    }
}
