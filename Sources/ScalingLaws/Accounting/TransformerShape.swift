/// The shape of a decoder-only transformer language model: everything parameter and FLOP
/// accounting needs to know.
///
/// Legend used in the accounting docs: `L = layers`, `d = dModel`, `h = heads`, `k = headSize`,
/// `h_kv = keyValueHeads`, `f = dFF`, `V = vocabulary`, `T = context`.
///
/// The defaults describe a GPT-2-style block (Radford et al. 2019; nanoGPT), which is what a
/// CPU ladder trains, with two modern choices that make no difference to the counts' shape:
///
/// - `dFF = 4·d`: the ratio of GPT-2, Kaplan et al. 2020 (arXiv:2001.08361) and the Chinchilla
///   family (arXiv:2203.15556, Table A9).
/// - `headSize = d/h`: the usual split, so that `h·k = d` (`d_attn = d_model` in Kaplan's notation).
/// - `keyValueHeads = h`: ordinary multi-head attention; 1 gives multi-query attention
///   (Shazeer 2019, arXiv:1911.02150), values in between grouped-query attention
///   (Ainslie et al. 2023, arXiv:2305.13245).
/// - `sharedKeyValue = false`: when true, keys and values come from one projection matrix, the
///   "Shared KV" convention of the Chinchilla parameter table.
/// - `tiedEmbeddings = true`: the unembedding reuses the token embedding (GPT-2, nanoGPT); it
///   saves `V·d` parameters, which dominate small models.
/// - `gated = false`: a plain two-matrix MLP; true gives a SwiGLU-style MLP with three `d×f`
///   matrices (Shazeer 2020, arXiv:2002.05202).
/// - `learnedPositions = true`: a learned `T×d` position table (GPT-2); false for rotary or
///   relative positions, which have no parameters.
/// - `biases = false`: no bias vectors in linear layers *and* no shifts in layer norms (as
///   nanoGPT's `bias=False`); layer norms then have a gain only. Biases are `O(d)` per layer and
///   change counts by well under 1% for d ≥ 64.
public struct TransformerShape: Sendable, Codable, Equatable, Hashable {
    /// `L`: transformer blocks.
    public var layers: Int
    /// `d`: width of the residual stream.
    public var dModel: Int
    /// `h`: query heads.
    public var heads: Int
    /// `f`: hidden width of the MLP.
    public var dFF: Int
    /// `k`: width of one attention head (Chinchilla's `kv_size`).
    public var headSize: Int
    /// `h_kv`: key/value heads; equals `heads` for multi-head attention.
    public var keyValueHeads: Int
    /// `V`: vocabulary size.
    public var vocabulary: Int
    /// `T`: training context length in tokens.
    public var context: Int
    public var tiedEmbeddings: Bool
    public var gated: Bool
    public var sharedKeyValue: Bool
    public var learnedPositions: Bool
    public var biases: Bool

    /// A shape; see the type's documentation for each default.
    ///
    /// Sizes must be positive and `heads` divisible by `keyValueHeads` (programmer errors;
    /// use `validated(...)` for user input).
    public init(layers: Int, dModel: Int, heads: Int, dFF: Int? = nil, headSize: Int? = nil,
                keyValueHeads: Int? = nil, vocabulary: Int, context: Int,
                tiedEmbeddings: Bool = true, gated: Bool = false, sharedKeyValue: Bool = false,
                learnedPositions: Bool = true, biases: Bool = false) {
        precondition(layers > 0 && dModel > 0 && heads > 0 && vocabulary > 0 && context > 0,
                     "shape sizes must be positive: layers \(layers), dModel \(dModel), heads \(heads), "
                     + "vocabulary \(vocabulary), context \(context)")
        let k = headSize ?? dModel / heads
        let hkv = keyValueHeads ?? heads
        let f = dFF ?? 4 * dModel
        precondition(k > 0 && f > 0 && hkv > 0 && heads % hkv == 0,
                     "headSize \(k), dFF \(f) must be positive and heads \(heads) divisible by keyValueHeads \(hkv)")
        self.layers = layers
        self.dModel = dModel
        self.heads = heads
        self.dFF = f
        self.headSize = k
        self.keyValueHeads = hkv
        self.vocabulary = vocabulary
        self.context = context
        self.tiedEmbeddings = tiedEmbeddings
        self.gated = gated
        self.sharedKeyValue = sharedKeyValue
        self.learnedPositions = learnedPositions
        self.biases = biases
    }

    /// The same as `init`, but checks user input first and throws an error that says what to fix.
    public static func validated(layers: Int, dModel: Int, heads: Int, dFF: Int? = nil,
                                 headSize: Int? = nil, keyValueHeads: Int? = nil, vocabulary: Int,
                                 context: Int, tiedEmbeddings: Bool = true, gated: Bool = false,
                                 sharedKeyValue: Bool = false, learnedPositions: Bool = true,
                                 biases: Bool = false) throws(ShapeError) -> TransformerShape {
        let named = [("layers", layers), ("d-model", dModel), ("heads", heads),
                     ("vocab", vocabulary), ("context", context)]
            + [("d-ff", dFF), ("head-size", headSize), ("kv-heads", keyValueHeads)]
                .compactMap { name, v in v.map { (name, $0) } }
        for (name, v) in named where v <= 0 {
            throw ShapeError.notPositive(name: name, value: v)
        }
        if headSize == nil, dModel % heads != 0 {
            throw ShapeError.headsDoNotDivideWidth(dModel: dModel, heads: heads)
        }
        let hkv = keyValueHeads ?? heads
        if heads % hkv != 0 { throw ShapeError.keyValueHeadsDoNotDivideHeads(heads: heads, keyValueHeads: hkv) }
        // Every count is a sum of non-negative products of these sizes, so if an upper bound of
        // the total, taken in Double, is at most 2^53, no Int product or sum can overflow.
        let (L, d, V, T) = (Double(layers), Double(dModel), Double(vocabulary), Double(context))
        let f = dFF.map(Double.init) ?? 4 * d
        let k = headSize.map(Double.init) ?? (d / Double(heads)).rounded(.down)
        let (attn, kv) = (Double(heads) * k, Double(hkv) * k)
        let perLayer = 2 * d * attn + 2 * d * kv + attn + 2 * kv + 3 * d * f + 2 * f + 6 * d
        let bound = L * perLayer + 2 * V * d + T * d + 2 * d
        guard bound <= maxParameterCount, L * T * attn <= maxParameterCount else {
            throw ShapeError.tooLarge(parameters: bound)
        }
        return TransformerShape(layers: layers, dModel: dModel, heads: heads, dFF: dFF, headSize: headSize,
                                keyValueHeads: keyValueHeads, vocabulary: vocabulary, context: context,
                                tiedEmbeddings: tiedEmbeddings, gated: gated, sharedKeyValue: sharedKeyValue,
                                learnedPositions: learnedPositions, biases: biases)
    }

    /// The largest parameter count (and layers × context × attention width) a shape may have:
    /// 2^53, the largest integer a Double holds exactly. Counts are Ints and FLOPs Doubles, so
    /// above it a count would round or overflow.
    public static let maxParameterCount = 9_007_199_254_740_992.0

    /// `d_attn = h·k`: the width of the concatenated query heads.
    public var attentionWidth: Int { heads * headSize }
    /// `h_kv·k`: the width of the keys (and of the values).
    public var keyValueWidth: Int { keyValueHeads * headSize }
}

/// A transformer shape that cannot exist, with what to change.
public enum ShapeError: Error, Equatable, CustomStringConvertible {
    /// Three significant digits: `6.4e22`.
    static func short(_ x: Double) -> String {
        guard x.isFinite, x > 0 else { return "\(x)" }
        var (m, e) = (x, 0)
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 { m *= 10; e -= 1 }
        return "\((m * 100).rounded() / 100)e\(e)"
    }

    case notPositive(name: String, value: Int)
    case headsDoNotDivideWidth(dModel: Int, heads: Int)
    case keyValueHeadsDoNotDivideHeads(heads: Int, keyValueHeads: Int)
    /// The shape's counts would pass `TransformerShape.maxParameterCount`.
    case tooLarge(parameters: Double)

    public var description: String {
        switch self {
        case let .notPositive(name, value):
            "--\(name) must be a positive integer, got \(value)"
        case let .headsDoNotDivideWidth(d, h):
            "--d-model \(d) is not divisible by --heads \(h); choose heads dividing d-model or give --head-size"
        case let .keyValueHeadsDoNotDivideHeads(h, hkv):
            "--heads \(h) is not divisible by --kv-heads \(hkv); each key/value head must serve a whole group of query heads"
        case let .tooLarge(parameters):
            "this shape has about \(Self.short(parameters)) parameters (or layers × context × attention width); "
                + "the limit is \(Self.short(TransformerShape.maxParameterCount)) (2^53, the largest count "
                + "exact in a Double); use fewer layers or smaller widths, vocabulary or context"
        }
    }
}
