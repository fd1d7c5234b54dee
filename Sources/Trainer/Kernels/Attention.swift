import CBLAS
import Foundation

/// Causal multi-head self-attention (Vaswani et al. 2017, arXiv:1706.03762), softmax inside.
///
/// For each batch row b and head h, with Q, K, V the (T, hs) slices of qkv:
/// `S = Q·Kᵀ/√hs`, `P[i, j] = softmax_{j ≤ i}(S[i, ·])` (P = 0 above the diagonal),
/// `O = P·V` written into out[b, :, h·hs ..< (h+1)·hs].
///
/// out (B, T, C), att (B, NH, T, T) keeps P for the backward, qkv (B, T, 3C) laid out as
/// [Q | K | V] along the last axis. Both products go through `cblas_sgemm` on strided views,
/// one block of `blockRows` query rows at a time: rows i0..<i1 only need keys 0..<i1, so the
/// products skip the blocks wholly above the diagonal (at T = 4·blockRows, 10 of 16 blocks are
/// computed). The fixed block size keeps the summation order independent of the thread count.
func attentionForward(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int, heads NH: Int, pairs: Range<Int>? = nil,
    blockRows: Int = attentionBlockRows
) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for pair in pairs ?? 0..<(B * NH) {
        let b = pair / NH, h = pair % NH
        let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
        let p = att + (b * NH + h) * T * T
        for i0 in stride(from: 0, to: T, by: blockRows) {
            let i1 = min(T, i0 + blockRows), m = Int32(i1 - i0), n = Int32(i1)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, Int32(hs),
                        scale, q + i0 * C3, Int32(C3), k, Int32(C3), 0, p + i0 * T, Int32(T))
            causalSoftmaxRows(p, rows: i0..<i1, time: T)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, Int32(hs), n,
                        1, p + i0 * T, Int32(T), v, Int32(C3), 0, out + b * T * C + i0 * C + h * hs, Int32(C))
        }
    }
}

/// Query rows per attention block: big enough for efficient GEMMs, small enough that the
/// skipped blocks above the diagonal save most of the masked half.
let attentionBlockRows = 32

/// In place over the given rows of a (T, T) score matrix: row i becomes softmax of its first
/// i+1 entries, the rest 0.
///
/// The passes run over whole 16-lane vectors (`n16`, i+1 rounded up, at most T), with the
/// entries past i masked to 0, so no row ends in a scalar remainder loop.
@inline(__always)
func causalSoftmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Range<Int>, time T: Int) {
    for i in rows {
        let row = p + i * T, n = i + 1, n16 = min(T, (n + 15) & ~15)
        let m = rowMax(row, count: n)
        for j in 0..<n16 {
            let e = fastExp(row[j] - m)
            row[j] = j < n ? e : 0
        }
        let inv = 1 / rowSum(row, count: n16)
        for j in 0..<n16 { row[j] *= inv }
        (row + n16).update(repeating: 0, count: T - n16)
    }
}

/// Backward of `attentionForward`, per (b, h):
/// `dP = dO·Vᵀ`, `dV += Pᵀ·dO`, `dS = P ⊙ (dP − rowsum(P ⊙ dP))`,
/// `dQ += dS·K/√hs`, `dK += dSᵀ·Q/√hs`, in the forward's blocks of query rows (P is zero
/// above the diagonal, so each block only touches keys 0..<i1), last block first.
/// With `accumulate: false` the pair's dQ, dK, dV are written instead of added to (a scratch
/// gradient this kernel alone writes, which then needs no zeroing first): each block owns its
/// dQ rows, and the last block, which runs first, covers all T keys, so it writes dK and dV and
/// the other blocks add to them.
///
/// dqkv (B, T, 3C), scratch (T, T) work space for the pairs handled by this call, dout (B, T, C), qkv (B, T, 3C), att (B, NH, T, T).
func attentionBackward(
    _ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int, heads NH: Int, pairs: Range<Int>? = nil,
    blockRows: Int = attentionBlockRows, accumulate: Bool = true
) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    let lastBlock = (T - 1) / blockRows * blockRows
    for pair in pairs ?? 0..<(B * NH) {
        let b = pair / NH, h = pair % NH
        let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
        let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
        let p = att + (b * NH + h) * T * T
        let dO = dout + b * T * C + h * hs
        let dS = scratch
        for i0 in stride(from: lastBlock, through: 0, by: -blockRows) {
            let i1 = min(T, i0 + blockRows), m = Int32(i1 - i0), n = Int32(i1)
            let pb = p + i0 * T, dSb = dS + i0 * T, dOb = dO + i0 * C
            let qBeta: Float = accumulate ? 1 : 0, kvBeta: Float = accumulate || i0 != lastBlock ? 1 : 0
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, Int32(hs),
                        1, dOb, Int32(C), v, Int32(C3), 0, dSb, Int32(T))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, Int32(hs), m,
                        1, pb, Int32(T), dOb, Int32(C), kvBeta, dv, Int32(C3))
            // P is exactly 0 above the diagonal, so whole rows 0..<i1 (no remainder loops) give
            // the same dot and the zeros of dS there.
            for i in i0..<i1 {
                let pr = p + i * T, dr = dS + i * T
                let dot = rowDot(pr, dr, count: i1)
                for j in 0..<i1 { dr[j] = pr[j] * (dr[j] - dot) }
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, Int32(hs), n,
                        scale, dSb, Int32(T), k, Int32(C3), qBeta, dq + i0 * C3, Int32(C3))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, Int32(hs), m,
                        scale, dSb, Int32(T), q + i0 * C3, Int32(C3), kvBeta, dk, Int32(C3))
        }
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
