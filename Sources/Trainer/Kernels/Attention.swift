import CBLAS
import Foundation

/// Causal multi-head self-attention (Vaswani et al. 2017, arXiv:1706.03762), softmax inside.
///
/// For each batch row b and head h, with Q, K, V the (T, hs) slices of qkv:
/// `S = Q·Kᵀ/√hs`, `P[i, j] = softmax_{j ≤ i}(S[i, ·])` (P = 0 above the diagonal),
/// `O = P·V` written into out[b, :, h·hs ..< (h+1)·hs].
///
/// out (B, T, C), att (B, NH, T, T) keeps P for the backward, qkv (B, T, 3C) laid out as
/// [Q | K | V] along the last axis. Both products go through `cblas_sgemm` on strided views;
/// the masked upper triangle is computed and zeroed, which costs at most 2× on S and P·V
/// but keeps every product a plain GEMM.
func attentionForward(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int, heads NH: Int, pairs: Range<Int>? = nil
) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for pair in pairs ?? 0..<(B * NH) {
        let b = pair / NH, h = pair % NH
        let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
        let p = att + (b * NH + h) * T * T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                    scale, q, Int32(C3), k, Int32(C3), 0, p, Int32(T))
        causalSoftmaxRows(p, time: T)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    1, p, Int32(T), v, Int32(C3), 0, out + b * T * C + h * hs, Int32(C))
    }
}

/// In place over a (T, T) score matrix: row i becomes softmax of its first i+1 entries, rest 0.
@inline(__always)
func causalSoftmaxRows(_ p: UnsafeMutablePointer<Float>, time T: Int) {
    for i in 0..<T {
        let row = p + i * T, n = i + 1
        var m = -Float.infinity
        for j in 0..<n { m = max(m, row[j]) }
        var sum = SIMD8<Float>(repeating: 0)
        var j = 0
        while j < n {
            let k = min(8, n - j)
            let e = exp8(load8(row + j, k, pad: -.infinity) - m).replacing(with: 0, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= Int32(k))
            store8(e, row + j, k)
            sum += e
            j += 8
        }
        let inv = 1 / sum.sum()
        for j in 0..<n { row[j] *= inv }
        for j in n..<T { row[j] = 0 }
    }
}

/// Backward of `attentionForward`, per (b, h):
/// `dP = dO·Vᵀ`, `dV += Pᵀ·dO`, `dS = P ⊙ (dP − rowsum(P ⊙ dP))`,
/// `dQ += dS·K/√hs`, `dK += dSᵀ·Q/√hs`.
///
/// dqkv (B, T, 3C), scratch (T, T) work space for the pairs handled by this call, dout (B, T, C), qkv (B, T, 3C), att (B, NH, T, T).
func attentionBackward(
    _ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int, heads NH: Int, pairs: Range<Int>? = nil
) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for pair in pairs ?? 0..<(B * NH) {
        let b = pair / NH, h = pair % NH
        let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
        let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
        let p = att + (b * NH + h) * T * T
        let dO = dout + b * T * C + h * hs
        let dS = scratch
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                    1, dO, Int32(C), v, Int32(C3), 0, dS, Int32(T))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    1, p, Int32(T), dO, Int32(C), 1, dv, Int32(C3))
        for i in 0..<T {
            let pr = p + i * T, dr = dS + i * T
            var dot: Float = 0
            for j in 0...i { dot += pr[j] * dr[j] }
            for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) }
            for j in (i + 1)..<T { dr[j] = 0 }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    scale, dS, Int32(T), k, Int32(C3), 1, dq, Int32(C3))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                    scale, dS, Int32(T), q, Int32(C3), 1, dk, Int32(C3))
    }
}

// MARK: - Naive reference (Double)

/// Causal multi-head attention with plain loops, in Double. qkv (B, T, 3C) → out (B, T, C).
func attentionForwardReference(qkv: [Double], batch B: Int, time T: Int, channels C: Int,
                               heads NH: Int) -> [Double] {
    let hs = C / NH, C3 = 3 * C
    var out = [Double](repeating: 0, count: B * T * C)
    for b in 0..<B {
        for h in 0..<NH {
            for i in 0..<T {
                let qi = b * T * C3 + i * C3 + h * hs
                var s = [Double](repeating: 0, count: i + 1)
                for j in 0...i {
                    let kj = b * T * C3 + j * C3 + C + h * hs
                    for d in 0..<hs { s[j] += qkv[qi + d] * qkv[kj + d] }
                    s[j] /= Double(hs).squareRoot()
                }
                let m = s.max()!
                let e = s.map { exp($0 - m) }
                let z = e.reduce(0, +)
                for j in 0...i {
                    let vj = b * T * C3 + j * C3 + 2 * C + h * hs
                    for d in 0..<hs { out[b * T * C + i * C + h * hs + d] += e[j] / z * qkv[vj + d] }
                }
            }
        }
    }
    return out
}
