/// Where each transformer parameter lives in the one flat buffer.
///
/// Order: wte (V, C) · wpe (T, C) · per layer [ln1w (C), ln1b (C), qkvw (3C, C), qkvb (3C),
/// attprojw (C, C), attprojb (C), ln2w (C), ln2b (C), fcw (F, C), fcb (F), fcprojw (C, F),
/// fcprojb (C)] · lnfw (C), lnfb (C).
///
/// Initialization follows GPT-2 (Radford et al. 2019): matrices and embeddings N(0, 0.02²),
/// the two projections that write into the residual stream N(0, (0.02/√(2L))²) so the stream's
/// variance does not grow with depth, biases 0, layer-norm gains 1.
///
/// Weight decay: every matrix, including both embeddings — wte is also the (tied) output
/// projection, and wpe is a learned (T, C) table like any other weight; this is nanoGPT's
/// "every 2-D tensor" rule. Biases and layer-norm gains/biases are never decayed.
struct TransformerLayout {
    struct Layer {
        var ln1w = 0, ln1b = 0, qkvw = 0, qkvb = 0, attprojw = 0, attprojb = 0
        var ln2w = 0, ln2b = 0, fcw = 0, fcb = 0, fcprojw = 0, fcprojb = 0
    }
    let wte: Int, wpe: Int, lnfw: Int, lnfb: Int
    let layers: [Layer]
    let tensors: [ParameterTensor]
    let count: Int

    init(_ s: ModelShape) {
        let V = s.vocab, C = s.dModel, T = s.context, F = s.dFF, L = s.layers
        let std: Float = 0.02, projStd = 0.02 / Float(2 * L).squareRoot()
        var b = LayoutBuilder()
        wte = b.add("wte", V * C, decays: true, .normal(std), embedding: true)
        wpe = b.add("wpe", T * C, decays: true, .normal(std), embedding: true)
        var layers: [Layer] = []
        for l in 0..<L {
            var y = Layer()
            y.ln1w = b.add("h\(l).ln1w", C, decays: false, .ones)
            y.ln1b = b.add("h\(l).ln1b", C, decays: false, .zeros)
            y.qkvw = b.add("h\(l).qkvw", 3 * C * C, decays: true, .normal(std))
            y.qkvb = b.add("h\(l).qkvb", 3 * C, decays: false, .zeros)
            y.attprojw = b.add("h\(l).attprojw", C * C, decays: true, .normal(projStd))
            y.attprojb = b.add("h\(l).attprojb", C, decays: false, .zeros)
            y.ln2w = b.add("h\(l).ln2w", C, decays: false, .ones)
            y.ln2b = b.add("h\(l).ln2b", C, decays: false, .zeros)
            y.fcw = b.add("h\(l).fcw", F * C, decays: true, .normal(std))
            y.fcb = b.add("h\(l).fcb", F, decays: false, .zeros)
            y.fcprojw = b.add("h\(l).fcprojw", C * F, decays: true, .normal(projStd))
            y.fcprojb = b.add("h\(l).fcprojb", C, decays: false, .zeros)
            layers.append(y)
        }
        self.layers = layers
        lnfw = b.add("lnfw", C, decays: false, .ones)
        lnfb = b.add("lnfb", C, decays: false, .zeros)
        tensors = b.tensors
        count = b.count
    }
}

/// Where each forward activation lives in one flat buffer, for micro-batch B and context T.
/// Everything the backward pass reads is kept; nothing else is.
struct TransformerActivations {
    struct Layer {
        var ln1 = 0, ln1Mean = 0, ln1Rstd = 0, qkv = 0, atty = 0, att = 0, res2 = 0
        var ln2 = 0, ln2Mean = 0, ln2Rstd = 0, fch = 0, fchGelu = 0, res3 = 0
    }
    /// `logits` (BT, V) holds the logits, then (in place) their softmax, then in the backward
    /// pass the gradient of the loss with respect to the logits.
    let encoded: Int, lnf: Int, lnfMean: Int, lnfRstd: Int, logits: Int, losses: Int
    let layers: [Layer]
    let count: Int

    init(_ s: ModelShape, batch B: Int) {
        let T = s.context, C = s.dModel, F = s.dFF, V = s.vocab, NH = s.heads, BT = B * T
        var n = 0
        func take(_ k: Int) -> Int { defer { n += k }; return n }
        encoded = take(BT * C)
        var layers: [Layer] = []
        for _ in 0..<s.layers {
            var y = Layer()
            y.ln1 = take(BT * C); y.ln1Mean = take(BT); y.ln1Rstd = take(BT)
            y.qkv = take(BT * 3 * C); y.atty = take(BT * C); y.att = take(B * NH * T * T)
            y.res2 = take(BT * C)
            y.ln2 = take(BT * C); y.ln2Mean = take(BT); y.ln2Rstd = take(BT)
            y.fch = take(BT * F); y.fchGelu = take(BT * F); y.res3 = take(BT * C)
            layers.append(y)
        }
        self.layers = layers
        lnf = take(BT * C); lnfMean = take(BT); lnfRstd = take(BT)
        logits = take(BT * V); losses = take(BT)
        count = n
    }
}

/// Gradient work space for the backward pass: the residual-stream gradient plus one layer's
/// intermediate gradients, reused layer after layer (the backward walks layers one at a time).
struct TransformerGradientScratch {
    let dres: Int, dln: Int, dqkv: Int, datty: Int, dfch: Int, dfchGelu: Int
    let dlnf: Int, attScratch: Int
    let count: Int

    init(_ s: ModelShape, batch B: Int, threads: Int = 1) {
        let T = s.context, C = s.dModel, F = s.dFF, BT = B * T
        var n = 0
        func take(_ k: Int) -> Int { defer { n += k }; return n }
        dres = take(BT * C); dln = take(BT * C); dqkv = take(BT * 3 * C); datty = take(BT * C)
        dfch = take(BT * F); dfchGelu = take(BT * F); dlnf = take(BT * C)
        attScratch = take(T * T * max(1, threads))   // one (T, T) per thread
        count = n
    }
}
