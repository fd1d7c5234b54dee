/// How training FLOPs per token are counted.
///
/// A multiply–add is 2 FLOPs. The exact counts take the matrix products of the forward pass and
/// multiply by 3 for training: the backward pass costs twice the forward (one product for the
/// gradient of the activations, one for the gradient of the weights), as in Kaplan et al. 2020
/// (arXiv:2001.08361, §2.1) and Hoffmann et al. 2022 (arXiv:2203.15556, Appendix F).
public enum FLOPCountingMethod: String, Sendable, Codable, CaseIterable, Hashable {
    /// Every matrix product, with attention over the *causal* context: in a training sequence of
    /// T tokens the token at position t attends to t tokens, (T+1)/2 on average. That is the work
    /// an implementation that skips masked entries does, and what makes Kaplan's attention term
    /// (below) come out exact. Element-wise work (softmax, norms, activations, residuals, bias
    /// adds) is O(d) per layer per token and is not counted; nor is the embedding lookup, which
    /// is a gather, not a product.
    case exact
    /// As `exact`, but every token attends to all T positions: the work of a kernel that
    /// computes the full T×T score matrix and masks it afterwards.
    case exactFullContext = "exact-full-context"
    /// Hoffmann et al. 2022, Appendix F, as published: full context, the embedding counted as a
    /// one-hot product (2·V·d), the softmax as 3·h·T per layer, and the final logits.
    case chinchilla
    /// Kaplan et al. 2020, Eq. 2.2 and Table 1: `C = 6N + 6·L·T·d` with N non-embedding; leaves
    /// out the logits (2·d·V forward).
    case kaplan
    /// `C = 6N` with N all parameters (Hoffmann et al.'s convention for C ≈ 6ND).
    case sixN = "6N"
    /// `C = 6N` with N non-embedding parameters (Kaplan et al.'s C ≈ 6ND without the context term).
    case sixNonEmbeddingN = "6N-non-embedding"
}

/// Forward FLOPs per token, by part, summed over layers.
///
/// With the legend of `TransformerShape`, T_att = (T+1)/2 (causal) or T (full), and the forward
/// pass of one token:
/// ```
/// attentionProjections = L·(2·d·(h·k + m·h_kv·k) + 2·h·k·d)    Q, K, V (m = 1 shared, else 2); output
/// attentionScores      = L·(2·h·k·T_att + 2·h·k·T_att)          QKᵀ and (softmax)·V
/// mlp                  = L·2·g·d·f                               g = 3 gated, else 2
/// logits               = 2·d·V
/// embedding            = 2·V·d   (Chinchilla's convention only)
/// softmax              = L·3·h·T (Chinchilla's convention only)
/// ```
public struct FLOPBreakdown: Sendable, Codable, Equatable, Hashable {
    public var embedding: Double
    public var attentionProjections: Double
    public var attentionScores: Double
    public var softmax: Double
    public var mlp: Double
    public var logits: Double

    /// Forward FLOPs per token.
    public var forward: Double { embedding + attentionProjections + attentionScores + softmax + mlp + logits }
    /// Training FLOPs per token: forward + backward = 3 × forward.
    public var training: Double { 3 * forward }
}

extension TransformerShape {
    /// Forward FLOPs per token by part, for the exact methods (`.exact`, `.exactFullContext`,
    /// `.chinchilla`). The approximations have no breakdown; asking for one is a programmer error.
    public func forwardFLOPBreakdown(method: FLOPCountingMethod = .exact) -> FLOPBreakdown {
        let (L, d, f, V, T) = (Double(layers), Double(dModel), Double(dFF), Double(vocabulary), Double(context))
        let (dAttn, dKV, h) = (Double(attentionWidth), Double(keyValueWidth), Double(heads))
        let kvMatrices: Double = sharedKeyValue ? 1 : 2
        let mlpMatrices: Double = gated ? 3 : 2
        let attended: Double
        switch method {
        case .exact: attended = (T + 1) / 2
        case .exactFullContext, .chinchilla: attended = T
        case .kaplan, .sixN, .sixNonEmbeddingN:
            preconditionFailure("\(method.rawValue) is an approximation without a breakdown")
        }
        let chinchilla = method == .chinchilla
        return FLOPBreakdown(
            embedding: chinchilla ? 2 * V * d : 0,
            attentionProjections: L * (2 * d * (dAttn + kvMatrices * dKV) + 2 * dAttn * d),
            attentionScores: L * 2 * (2 * dAttn * attended),
            softmax: chinchilla ? L * 3 * h * T : 0,
            mlp: L * 2 * mlpMatrices * d * f,
            logits: 2 * d * V)
    }

    /// Training FLOPs per token (forward + backward) by the chosen method.
    ///
    /// `.kaplan` is `6N + 6·L·T·d` with `d = d_model` and N non-embedding, as in Kaplan et al.
    /// 2020, Eq. 2.2 (`C_forward ≈ 2N + 2·n_layer·n_ctx·d_model`; arXiv:2001.08361).
    public func trainingFLOPsPerToken(method: FLOPCountingMethod = .exact) -> Double {
        switch method {
        case .exact, .exactFullContext, .chinchilla:
            return forwardFLOPBreakdown(method: method).training
        case .kaplan:
            return 6 * Double(nonEmbeddingParameterCount) + 6 * Double(layers) * Double(context) * Double(dModel)
        case .sixN:
            return 6 * Double(parameterCount)
        case .sixNonEmbeddingN:
            return 6 * Double(nonEmbeddingParameterCount)
        }
    }

    /// `(approximation − exact)/exact` for training FLOPs per token: how far a rule of thumb is
    /// off for this shape (negative when it undercounts).
    public func relativeFLOPError(of method: FLOPCountingMethod, versus reference: FLOPCountingMethod = .exact) -> Double {
        let exact = trainingFLOPsPerToken(method: reference)
        return (trainingFLOPsPerToken(method: method) - exact) / exact
    }
}

/// Everything `scalelab flops` reports about a shape: parameters by part and training FLOPs per
/// token by every method, with each method's error relative to `.exact`.
public struct ShapeAccounting: Sendable, Codable, Equatable {
    public struct MethodCount: Sendable, Codable, Equatable {
        public var method: FLOPCountingMethod
        public var trainingFLOPsPerToken: Double
        /// `(this − exact)/exact`.
        public var relativeErrorVersusExact: Double
    }

    public var shape: TransformerShape
    public var parameters: ParameterBreakdown
    public var totalParameters: Int
    public var nonEmbeddingParameters: Int
    /// Forward FLOPs per token by part, exact method (causal attention).
    public var forwardBreakdown: FLOPBreakdown
    public var flops: [MethodCount]

    public init(shape: TransformerShape) {
        let exact = shape.trainingFLOPsPerToken(method: .exact)
        self.shape = shape
        self.parameters = shape.parameterBreakdown
        self.totalParameters = parameters.total
        self.nonEmbeddingParameters = parameters.nonEmbedding
        self.forwardBreakdown = shape.forwardFLOPBreakdown(method: .exact)
        self.flops = FLOPCountingMethod.allCases.map { m in
            let c = shape.trainingFLOPsPerToken(method: m)
            return MethodCount(method: m, trainingFLOPsPerToken: c, relativeErrorVersusExact: (c - exact) / exact)
        }
    }

    /// Training FLOPs per token by one method.
    public func trainingFLOPsPerToken(_ method: FLOPCountingMethod) -> Double {
        flops.first { $0.method == method }!.trainingFLOPsPerToken
    }
}
