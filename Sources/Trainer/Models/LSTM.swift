import CBLAS

/// Where each LSTM parameter lives in the flat buffer.
///
/// Order: wte (V, H) · per layer [w (4H, 2H) acting on [x_t, h_{t−1}], bi (H), bf (H), bgo (2H)]
/// — the three bias tensors are contiguous, one (4H) bias in gate order i, f, g, o.
/// Initialization: w uniform ±1/√H (PyTorch's LSTM default), forget-gate bias 1 (Jozefowicz et
/// al. 2015) so early gradients flow through time, other biases 0, wte N(0, 0.05²). The output
/// projection is tied to wte, like the transformer's. Decay: w and wte; biases never.
struct LSTMLayout {
    struct Layer { var w = 0, b = 0 }
    let wte: Int
    let layers: [Layer]
    let tensors: [ParameterTensor]
    let count: Int

    init(_ s: ModelShape) {
        let V = s.vocab, H = s.dModel
        var b = LayoutBuilder()
        wte = b.add("wte", V * H, decays: true, .normal(0.05), embedding: true)
        var layers: [Layer] = []
        for l in 0..<s.layers {
            var y = Layer()
            y.w = b.add("l\(l).w", 4 * H * 2 * H, decays: true, .uniform(1 / Float(H).squareRoot()))
            y.b = b.add("l\(l).bi", H, decays: false, .zeros)
            _ = b.add("l\(l).bf", H, decays: false, .ones)
            _ = b.add("l\(l).bgo", 2 * H, decays: false, .zeros)
            layers.append(y)
        }
        self.layers = layers
        tensors = b.tensors
        count = b.count
    }
}

/// Per layer: xh (BT, 2H) = [x_t, h_{t−1}], gates (BT, 4H), c, tc = tanh(c), h (BT, H); then
/// logits (BT, V; then the probabilities, then in backward their gradient, all in place), losses
/// (BT). Gradient scratch: two (BT, H) buffers for ∂h, dgates (BT, 4H), dc (B, H).
func LSTMActivationFloatsPerSequence(_ s: ModelShape) -> Int {
    let T = s.context, H = s.dModel, V = s.vocab
    return s.layers * T * 9 * H + T * (V + 1) + T * (2 * H + 4 * H) + H
}

/// A stacked-LSTM byte language model: `x_0 = wte[token]`, each layer an LSTM over time
/// starting from zero state at the start of every sequence (truncated BPTT over T), and
/// `logits = h_top · wteᵀ`. Matrix products through `cblas_sgemm`: the input part of every
/// gate for all T at once, the recurrent part one time step at a time.
public final class LSTMModel: LanguageModel {
    public let shape: ModelShape
    public let microBatch: Int
    public let threads: Int
    let layout: LSTMLayout
    public let parameters: UnsafeMutablePointer<Float>
    public let gradients: UnsafeMutablePointer<Float>
    let a: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
    let aCount: Int, gCount: Int
    let inputs: UnsafeMutablePointer<UInt8>, targets: UnsafeMutablePointer<UInt8>
    private var lastBatch = 0

    public var tensors: [ParameterTensor] { layout.tensors }
    public var parameterCount: Int { layout.count }
    public var activationFloats: Int { aCount + gCount }
    public var lastProbabilities: UnsafePointer<Float> { UnsafePointer(logits) }

    // Activation offsets for layer l, with per-layer stride 9·BT·H over the allocated B.
    private var BTmax: Int { microBatch * shape.context }
    private func xh(_ l: Int) -> UnsafeMutablePointer<Float> { a + l * 9 * BTmax * shape.dModel }
    private func gates(_ l: Int) -> UnsafeMutablePointer<Float> { xh(l) + 2 * BTmax * shape.dModel }
    private func cell(_ l: Int) -> UnsafeMutablePointer<Float> { gates(l) + 4 * BTmax * shape.dModel }
    private func tanhCell(_ l: Int) -> UnsafeMutablePointer<Float> { cell(l) + BTmax * shape.dModel }
    private func hidden(_ l: Int) -> UnsafeMutablePointer<Float> { tanhCell(l) + BTmax * shape.dModel }
    private var logits: UnsafeMutablePointer<Float> { a + shape.layers * 9 * BTmax * shape.dModel }
    private var losses: UnsafeMutablePointer<Float> { logits + BTmax * shape.vocab }

    init(_ shape: ModelShape, microBatch: Int, threads: Int) {
        precondition(shape.architecture == .lstm, "LSTMModel needs an LSTM shape, got \(shape)")
        self.shape = shape
        self.microBatch = microBatch
        self.threads = max(1, threads)
        layout = LSTMLayout(shape)
        let BT = microBatch * shape.context, H = shape.dModel, V = shape.vocab
        aCount = shape.layers * 9 * BT * H + BT * (V + 1)
        gCount = BT * (2 * H + 4 * H) + microBatch * H
        parameters = allocateFloats(layout.count)
        gradients = allocateFloats(layout.count)
        a = allocateFloats(aCount)
        g = allocateFloats(gCount)
        inputs = .allocate(capacity: BT); targets = .allocate(capacity: BT)
    }

    deinit {
        deallocateFloats(parameters); deallocateFloats(gradients); deallocateFloats(a); deallocateFloats(g)
        inputs.deallocate(); targets.deallocate()
    }

    public func forward(inputs tokensIn: UnsafePointer<UInt8>, targets tokensOut: UnsafePointer<UInt8>, batch B: Int) -> Double {
        precondition(B >= 1 && B <= microBatch, "batch \(B) outside 1...\(microBatch)")
        let T = shape.context, H = shape.dModel, V = shape.vocab, BT = B * T, p = UnsafePointer(parameters)
        inputs.update(from: tokensIn, count: BT)
        targets.update(from: tokensOut, count: BT)
        lastBatch = B
        for l in 0..<shape.layers {
            let x = xh(l), gt = gates(l), c = cell(l), tc = tanhCell(l), h = hidden(l)
            let w = p + layout.layers[l].w, bias = p + layout.layers[l].b
            for r in 0..<BT {                                   // x part of [x_t, h_{t−1}]
                let src = l == 0 ? p + layout.wte + Int(inputs[r]) * H : UnsafePointer(hidden(l - 1) + r * H)
                (x + r * 2 * H).update(from: src, count: H)
                (x + r * 2 * H + H).update(repeating: 0, count: H)
                (gt + r * 4 * H).update(from: bias, count: 4 * H)
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(BT), Int32(4 * H), Int32(H),
                        1, x, Int32(2 * H), w, Int32(2 * H), 1, gt, Int32(4 * H))
            for t in 0..<T {
                if t > 0 {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(B), Int32(4 * H), Int32(H),
                                1, h + (t - 1) * H, Int32(T * H), w + H, Int32(2 * H), 1, gt + t * 4 * H, Int32(T * 4 * H))
                }
                lstmCellForward(c + t * H, tc + t * H, h + t * H, gt + t * 4 * H, t > 0 ? UnsafePointer(c + (t - 1) * H) : nil,
                                batch: B, hidden: H, gateStride: T * 4 * H, stateStride: T * H)
                if t + 1 < T {
                    for b in 0..<B { (x + (b * T + t + 1) * 2 * H + H).update(from: h + (b * T + t) * H, count: H) }
                }
            }
        }
        matmulForward(logits, hidden(shape.layers - 1), p + layout.wte, nil, rows: BT, inChannels: H, outChannels: V)
        crossEntropyForwardParallel(logits, losses, targets, rows: BT, vocab: V, threads: threads)
        return sumLosses(losses, count: BT) / Double(BT)
    }

    public func backward(lossScale: Float) {
        let B = lastBatch
        precondition(B > 0, "backward before forward")
        let T = shape.context, H = shape.dModel, V = shape.vocab, BT = B * T, p = UnsafePointer(parameters), d = gradients
        var dh = g, dlow = g + BT * H
        let dgates = g + 2 * BT * H, dc = dgates + 4 * BT * H, dlogits = logits
        dh.update(repeating: 0, count: BT * H)
        crossEntropyBackward(dlogits, targets, scale: lossScale / Float(BT), rows: BT, vocab: V)
        matmulBackward(dh, d + layout.wte, nil, dlogits, hidden(shape.layers - 1), p + layout.wte, rows: BT, inChannels: H, outChannels: V)
        for l in stride(from: shape.layers - 1, through: 0, by: -1) {
            let w = p + layout.layers[l].w, gt = gates(l), c = cell(l), tc = tanhCell(l)
            dc.update(repeating: 0, count: B * H)
            for t in stride(from: T - 1, through: 0, by: -1) {
                lstmCellBackward(dgates + t * 4 * H, dc, dh + t * H, gt + t * 4 * H, tc + t * H,
                                 t > 0 ? UnsafePointer(c + (t - 1) * H) : nil,
                                 batch: B, hidden: H, gateStride: T * 4 * H, stateStride: T * H)
                if t > 0 {                                      // ∂h_{t−1} += da_t · W_h
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(B), Int32(H), Int32(4 * H),
                                1, dgates + t * 4 * H, Int32(T * 4 * H), w + H, Int32(2 * H), 1, dh + (t - 1) * H, Int32(T * H))
                }
            }
            // dW += daᵀ · [x, h_prev], db += Σ_rows da, ∂x = da · W_x.
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(4 * H), Int32(2 * H), Int32(BT),
                        1, dgates, Int32(4 * H), xh(l), Int32(2 * H), 1, d + layout.layers[l].w, Int32(2 * H))
            let db = d + layout.layers[l].b
            for r in 0..<BT { for k in 0..<(4 * H) { db[k] += dgates[r * 4 * H + k] } }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(BT), Int32(H), Int32(4 * H),
                        1, dgates, Int32(4 * H), w, Int32(2 * H), 0, dlow, Int32(H))
            swap(&dh, &dlow)                                    // dh now holds ∂(layer input)
        }
        for r in 0..<BT {                                       // embedding lookup backward
            let e = d + layout.wte + Int(inputs[r]) * H, gr = dh + r * H
            for k in 0..<H { e[k] += gr[k] }
        }
    }
}
