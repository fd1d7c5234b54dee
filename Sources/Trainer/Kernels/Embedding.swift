/// Token plus learned position embedding: `out[b,t,:] = wte[tok[b,t],:] + wpe[t,:]`.
///
/// out (B, T, C), tokens (B, T) bytes, wte (V, C), wpe (T_max, C) with T ≤ T_max.
func embeddingForward(
    _ out: UnsafeMutablePointer<Float>,
    _ tokens: UnsafePointer<UInt8>, _ wte: UnsafePointer<Float>, _ wpe: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int
) {
    for b in 0..<B {
        for t in 0..<T {
            let y = out + (b * T + t) * C
            let e = wte + Int(tokens[b * T + t]) * C, p = wpe + t * C
            for c in 0..<C { y[c] = e[c] + p[c] }
        }
    }
}

/// Backward of `embeddingForward`: `dwte[tok] += dout[b,t]`, `dwpe[t] += dout[b,t]`.
/// Rows are visited in a fixed order, so repeated tokens accumulate deterministically.
func embeddingBackward(
    _ dwte: UnsafeMutablePointer<Float>, _ dwpe: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<UInt8>,
    batch B: Int, time T: Int, channels C: Int
) {
    for b in 0..<B {
        for t in 0..<T {
            let g = dout + (b * T + t) * C
            let e = dwte + Int(tokens[b * T + t]) * C, p = dwpe + t * C
            for c in 0..<C {
                e[c] += g[c]
                p[c] += g[c]
            }
        }
    }
}
