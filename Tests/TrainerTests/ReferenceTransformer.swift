@testable import Trainer

/// The transformer's mean loss computed independently: the Double reference kernels composed
/// with plain arrays, reading parameters through the same layout offsets.
func referenceTransformerLoss(_ params: [Double], shape s: ModelShape, inputs: [UInt8], targets: [UInt8],
                              batch B: Int) -> Double {
    let layout = TransformerLayout(s)
    let T = s.context, C = s.dModel, F = s.dFF, V = s.vocab, BT = B * T
    func w(_ off: Int, _ n: Int) -> [Double] { Array(params[off..<off + n]) }
    var x = [Double](repeating: 0, count: BT * C)
    for r in 0..<BT {
        let tok = Int(inputs[r]), t = r % T
        for c in 0..<C { x[r * C + c] = params[layout.wte + tok * C + c] + params[layout.wpe + t * C + c] }
    }
    for y in layout.layers {
        let ln1 = layernormForwardReference(inp: x, weight: w(y.ln1w, C), bias: w(y.ln1b, C), rows: BT, channels: C)
        let qkv = matmulForwardReference(inp: ln1, weight: w(y.qkvw, 3 * C * C), bias: w(y.qkvb, 3 * C), rows: BT, inChannels: C, outChannels: 3 * C)
        let atty = attentionForwardReference(qkv: qkv, batch: B, time: T, channels: C, heads: s.heads)
        let proj = matmulForwardReference(inp: atty, weight: w(y.attprojw, C * C), bias: w(y.attprojb, C), rows: BT, inChannels: C, outChannels: C)
        x = zip(x, proj).map { $0 + $1 }
        let ln2 = layernormForwardReference(inp: x, weight: w(y.ln2w, C), bias: w(y.ln2b, C), rows: BT, channels: C)
        let fch = matmulForwardReference(inp: ln2, weight: w(y.fcw, F * C), bias: w(y.fcb, F), rows: BT, inChannels: C, outChannels: F)
        let mlp = matmulForwardReference(inp: fch.map(geluReference), weight: w(y.fcprojw, C * F), bias: w(y.fcprojb, C), rows: BT, inChannels: F, outChannels: C)
        x = zip(x, mlp).map { $0 + $1 }
    }
    let lnf = layernormForwardReference(inp: x, weight: w(layout.lnfw, C), bias: w(layout.lnfb, C), rows: BT, channels: C)
    let logits = matmulForwardReference(inp: lnf, weight: w(layout.wte, V * C), bias: nil, rows: BT, inChannels: C, outChannels: V)
    return crossEntropyReference(logits: logits, targets: targets, rows: BT, vocab: V).reduce(0, +) / Double(BT)
}
