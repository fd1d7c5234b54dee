import Foundation

/// LSTM cell, point-wise part (Hochreiter & Schmidhuber 1997; the forget gate of Gers et al. 2000).
///
/// With pre-activations a = [a_i, a_f, a_g, a_o] (the (B, 4H) GEMM output, updated in place):
/// `i = σ(a_i)`, `f = σ(a_f)`, `g = tanh(a_g)`, `o = σ(a_o)`,
/// `c = f·c_prev + i·g`, `h = o·tanh(c)`.
///
/// gates (B, 4H) pre-activations in, activations out; c, tc = tanh(c), h (B, H); cPrev (B, H) or
/// nil for zeros. Rows of every buffer are `rowStride` floats apart (per H block for c, tc, h),
/// so a time step of a (B, T, ·) tensor can be passed directly.
func lstmCellForward(
    _ c: UnsafeMutablePointer<Float>, _ tc: UnsafeMutablePointer<Float>, _ h: UnsafeMutablePointer<Float>,
    _ gates: UnsafeMutablePointer<Float>, _ cPrev: UnsafePointer<Float>?,
    batch B: Int, hidden H: Int, gateStride gs: Int, stateStride ss: Int
) {
    for b in 0..<B {
        let a = gates + b * gs, cb = c + b * ss, tb = tc + b * ss, hb = h + b * ss
        let cp = cPrev.map { $0 + b * ss }
        for k in 0..<H {
            let i = sigmoid(a[k]), f = sigmoid(a[H + k]), g = tanhf(a[2 * H + k]), o = sigmoid(a[3 * H + k])
            a[k] = i; a[H + k] = f; a[2 * H + k] = g; a[3 * H + k] = o
            let cv = f * (cp?[k] ?? 0) + i * g
            let t = tanhf(cv)
            cb[k] = cv; tb[k] = t; hb[k] = o * t
        }
    }
}

/// Backward of `lstmCellForward` for one time step. With dh (the total gradient on h) and dc
/// (the gradient on c arriving from step t+1, updated in place to the gradient on c_prev):
/// `dc ← dc + dh·o·(1 − tc²)`, `da_o = dh·tc·o(1−o)`, `da_i = dc·g·i(1−i)`,
/// `da_g = dc·i·(1 − g²)`, `da_f = dc·c_prev·f(1−f)`, then `dc ← dc·f`.
///
/// dgates (B, 4H) written (not added: it is a per-step intermediate), dc (B, H) in/out,
/// gates (activations), c, tc, cPrev or nil, dh (B, H).
func lstmCellBackward(
    _ dgates: UnsafeMutablePointer<Float>, _ dc: UnsafeMutablePointer<Float>,
    _ dh: UnsafePointer<Float>, _ gates: UnsafePointer<Float>, _ tc: UnsafePointer<Float>,
    _ cPrev: UnsafePointer<Float>?,
    batch B: Int, hidden H: Int, gateStride gs: Int, stateStride ss: Int
) {
    for b in 0..<B {
        let a = gates + b * gs, d = dgates + b * gs, dcb = dc + b * H
        let tb = tc + b * ss, dhb = dh + b * ss
        let cp = cPrev.map { $0 + b * ss }
        for k in 0..<H {
            let i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k], t = tb[k]
            let dcv = dcb[k] + dhb[k] * o * (1 - t * t)
            d[3 * H + k] = dhb[k] * t * o * (1 - o)
            d[k] = dcv * g * i * (1 - i)
            d[2 * H + k] = dcv * i * (1 - g * g)
            d[H + k] = dcv * (cp?[k] ?? 0) * f * (1 - f)
            dcb[k] = dcv * f
        }
    }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

// MARK: - Naive reference (Double)

/// One LSTM step in Double: pre-activations (B, 4H), cPrev (B, H) → (c, h).
func lstmCellReference(pre: [Double], cPrev: [Double], batch B: Int, hidden H: Int) -> (c: [Double], h: [Double]) {
    func s(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    var c = [Double](repeating: 0, count: B * H), h = c
    for b in 0..<B {
        for k in 0..<H {
            let p = b * 4 * H
            let i = s(pre[p + k]), f = s(pre[p + H + k]), g = tanh(pre[p + 2 * H + k]), o = s(pre[p + 3 * H + k])
            c[b * H + k] = f * cPrev[b * H + k] + i * g
            h[b * H + k] = o * tanh(c[b * H + k])
        }
    }
    return (c, h)
}
