/// Exact parameter and FLOP counts of a shape, in closed form (independent of the layouts; the
/// tests check that the two agree).
///
/// TODO(after merge): unify with `ScalingLaws` accounting so `scalelab flops` and the trainer
/// share one function (DESIGN.md: one source of truth).
extension ModelShape {
    /// All parameters, embeddings included (Chinchilla's N).
    ///
    /// Transformer: `L·(4C² + 2·C·F + 9C + F) + V·C + T·C + 2C` (per block: ln1, qkv, proj, ln2,
    /// fc, fcproj; then wte, wpe, lnf; the output projection is tied to wte).
    /// LSTM: `L·(8H² + 4H) + V·H` (per layer the four gates over [x, h]; tied embedding).
    public var parameterCount: Int {
        nonEmbeddingParameterCount + embeddingParameterCount
    }

    /// Parameters outside the embedding tables (Kaplan et al. 2020's N, arXiv:2001.08361).
    public var nonEmbeddingParameterCount: Int {
        let L = layers, C = dModel, F = dFF
        switch architecture {
        case .transformer: return L * (4 * C * C + 2 * C * F + 9 * C + F) + 2 * C
        case .lstm: return L * (8 * C * C + 4 * C)
        }
    }

    /// Token embedding (and, for the transformer, position embedding) parameters.
    public var embeddingParameterCount: Int {
        switch architecture {
        case .transformer: return vocab * dModel + context * dModel
        case .lstm: return vocab * dModel
        }
    }

    /// Parameters that multiply an activation in a matrix product, per token: the weights of
    /// every GEMM including the tied output projection (V·C), excluding biases, gains and the
    /// embedding lookup.
    public var matmulParameterCount: Int {
        let L = layers, C = dModel, F = dFF
        switch architecture {
        case .transformer: return L * (4 * C * C + 2 * C * F) + vocab * C
        case .lstm: return L * 8 * C * C + vocab * C
        }
    }

    /// Training FLOPs per token (forward + backward) of the matrix products this engine runs.
    ///
    /// `6·N_matmul` (2 forward, 4 backward per weight, Kaplan et al. 2020) plus, for the
    /// transformer, `12·L·T·C` for the attention products Q·Kᵀ and P·V over the full T×T
    /// square (PaLM's model-FLOPs formula, Chowdhery et al. 2022, arXiv:2204.02311, App. B).
    /// The engine computes the masked half too, so this counts executed GEMM work. Element-wise
    /// work (layer norm, GELU, softmax, the optimizer) is not counted; it is O(N + L·T) per token.
    public var trainingFLOPsPerToken: Double {
        var f = 6.0 * Double(matmulParameterCount)
        if architecture == .transformer { f += 12.0 * Double(layers * context * dModel) }
        return f
    }

    /// Forward-only FLOPs per token (evaluation): one third of the training count.
    public var forwardFLOPsPerToken: Double { trainingFLOPsPerToken / 3 }
}
