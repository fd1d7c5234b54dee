/// Parameters of one transformer block, by part.
///
/// With the legend of `TransformerShape` (`d, h, k, h_kv, f`), and `b = 1` with biases, 0 without:
/// ```
/// queryKeyValue    = d·h·k + m·d·h_kv·k + b·(h·k + m·h_kv·k),  m = 1 if sharedKeyValue else 2
/// outputProjection = h·k·d + b·d
/// mlp              = g·d·f + b·((g − 1)·f + d),             g = 3 if gated else 2
/// layerNorm        = 2 norms · (d + b·d)                     (gain, and shift with biases)
/// ```
/// These are the per-layer columns of the Chinchilla parameter table (Hoffmann et al. 2022,
/// arXiv:2203.15556, Table A9), which has no biases and does not count layer norms.
public struct LayerParameterCounts: Sendable, Codable, Equatable, Hashable {
    public var queryKeyValue: Int
    public var outputProjection: Int
    public var mlp: Int
    public var layerNorm: Int

    public var total: Int { queryKeyValue + outputProjection + mlp + layerNorm }
}

/// All parameters of a transformer, by part; every count is exact.
///
/// ```
/// embedding   = V·d                    token embedding
/// positional  = T·d if learned, else 0
/// attention   = L·(queryKeyValue + outputProjection)
/// mlp         = L·mlp
/// layerNorm   = L·2 norms + 1 final norm, each d (+ d with biases)
/// unembedding = 0 if tied, else V·d    (no output bias, as GPT-2)
/// ```
/// `nonEmbedding` leaves out the embedding, positional and unembedding tables: Kaplan et al.'s N
/// (arXiv:2001.08361, §2.1), which they approximate as `12·L·d²` for `f = 4d`, `h·k = d`.
/// `total` counts everything: Hoffmann et al.'s N (arXiv:2203.15556).
public struct ParameterBreakdown: Sendable, Codable, Equatable, Hashable {
    public var perLayer: LayerParameterCounts
    public var embedding: Int
    public var positional: Int
    public var attention: Int
    public var mlp: Int
    public var layerNorm: Int
    public var unembedding: Int

    public var total: Int { embedding + positional + attention + mlp + layerNorm + unembedding }
    public var nonEmbedding: Int { attention + mlp + layerNorm }
    /// The weight matrices only (no layer norms, no positional table): the convention of the
    /// Chinchilla parameter table (arXiv:2203.15556, Table A9).
    public var matrices: Int { embedding + attention + mlp + unembedding - biasCount }
    /// Bias entries in the linear layers (zero without biases); subtracted by `matrices`.
    public var biasCount: Int
}

extension TransformerShape {
    /// The parameters of one block, by part (see `LayerParameterCounts`).
    public var layerParameterCounts: LayerParameterCounts {
        let (d, f) = (dModel, dFF)
        let b = biases ? 1 : 0
        let m = sharedKeyValue ? 1 : 2
        let g = gated ? 3 : 2
        return LayerParameterCounts(
            queryKeyValue: d * attentionWidth + m * d * keyValueWidth + b * (attentionWidth + m * keyValueWidth),
            outputProjection: attentionWidth * d + b * d,
            mlp: g * d * f + b * ((g - 1) * f + d),
            layerNorm: 2 * (d + b * d))
    }

    /// Bias entries of the linear layers of one block.
    var layerBiasCount: Int {
        guard biases else { return 0 }
        let m = sharedKeyValue ? 1 : 2
        let g = gated ? 3 : 2
        return attentionWidth + m * keyValueWidth + dModel + (g - 1) * dFF + dModel
    }

    /// Every parameter, by part (see `ParameterBreakdown`).
    public var parameterBreakdown: ParameterBreakdown {
        let layer = layerParameterCounts
        let table = vocabulary * dModel
        return ParameterBreakdown(
            perLayer: layer,
            embedding: table,
            positional: learnedPositions ? context * dModel : 0,
            attention: layers * (layer.queryKeyValue + layer.outputProjection),
            mlp: layers * layer.mlp,
            layerNorm: layers * layer.layerNorm + (dModel + (biases ? dModel : 0)),
            unembedding: tiedEmbeddings ? 0 : table,
            biasCount: layers * layerBiasCount)
    }

    /// All parameters, embeddings included (Chinchilla's N).
    public var parameterCount: Int { parameterBreakdown.total }

    /// Parameters outside the embedding, positional and unembedding tables (Kaplan's N).
    public var nonEmbeddingParameterCount: Int { parameterBreakdown.nonEmbedding }
}
