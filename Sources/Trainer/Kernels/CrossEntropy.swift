import Foundation

/// Softmax over the vocabulary fused with cross-entropy, in place:
/// `p = softmax(logits)`, `loss[r] = −ln p[r, target[r]]` (nats).
///
/// logits (BT, V) in, probabilities out; losses (BT), targets (BT). In place because nothing
/// needs the logits afterwards, and because a loop that writes through one pointer and reads
/// through another that may alias it (the same buffer passed twice) is not vectorized. The
/// max is subtracted before exponentiating, so large logits cannot overflow. A non-finite logit
/// gives a non-finite loss, which the training loop turns into status `diverged`.
func crossEntropyForward(
    _ logits: UnsafeMutablePointer<Float>, _ losses: UnsafeMutablePointer<Float>,
    _ targets: UnsafePointer<UInt8>, rows BT: Int, vocab V: Int
) {
    for r in 0..<BT {
        let p = logits + r * V
        let m = rowMax(p, count: V), zt = p[Int(targets[r])]
        for v in 0..<V { p[v] = fastExp(p[v] - m) }
        let s = rowSum(p, count: V), inv = 1 / s
        for v in 0..<V { p[v] *= inv }
        // A NaN logit is skipped by max() but poisons the sum, so the loss is NaN too.
        losses[r] = (m + logf(s)) - zt
    }
}

/// Backward of `crossEntropyForward` for the loss `scale · Σ_r loss[r]`, in place:
/// `dlogits[r, v] = scale · (p[r, v] − 1[v = target[r]])`.
///
/// probs (BT, V) in (from `crossEntropyForward`), dlogits out. For the mean over BT rows,
/// `scale = 1/BT` (times 1/steps under gradient accumulation).
func crossEntropyBackward(
    _ probs: UnsafeMutablePointer<Float>, _ targets: UnsafePointer<UInt8>, scale: Float,
    rows BT: Int, vocab V: Int
) {
    for r in 0..<BT {
        let d = probs + r * V
        for v in 0..<V { d[v] *= scale }
        d[Int(targets[r])] -= scale
    }
}

// MARK: - Naive reference (Double)

/// Per-row losses of softmax cross-entropy, in Double.
func crossEntropyReference(logits: [Double], targets: [UInt8], rows BT: Int, vocab V: Int) -> [Double] {
    (0..<BT).map { r in
        let z = logits[r * V..<(r + 1) * V]
        let m = z.max()!
        let lse = m + log(z.map { exp($0 - m) }.reduce(0, +))
        return lse - z[r * V + Int(targets[r])]
    }
}

/// Gradient of `scale · Σ_r loss[r]` with respect to the logits, in Double.
func crossEntropyBackwardReference(logits: [Double], targets: [UInt8], scale: Double,
                                   rows BT: Int, vocab V: Int) -> [Double] {
    var d = [Double](repeating: 0, count: BT * V)
    for r in 0..<BT {
        let z = logits[r * V..<(r + 1) * V]
        let m = z.max()!
        let e = z.map { exp($0 - m) }
        let s = e.reduce(0, +)
        for v in 0..<V { d[r * V + v] = scale * e[v] / s }
        d[r * V + Int(targets[r])] -= scale
    }
    return d
}
