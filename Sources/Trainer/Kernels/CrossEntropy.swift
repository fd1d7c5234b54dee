import Foundation

/// Softmax over the vocabulary fused with cross-entropy:
/// `p = softmax(logits)`, `loss[r] = −ln p[r, target[r]]` (nats).
///
/// probs (BT, V), losses (BT), logits (BT, V), targets (BT). The max is subtracted before
/// exponentiating, so large logits cannot overflow. A non-finite logit gives a non-finite
/// loss, which the training loop turns into status `diverged`.
func crossEntropyForward(
    _ probs: UnsafeMutablePointer<Float>, _ losses: UnsafeMutablePointer<Float>,
    _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<UInt8>,
    rows BT: Int, vocab V: Int
) {
    for r in 0..<BT {
        let z = logits + r * V, p = probs + r * V
        let m = rowMax(z, count: V)
        for v in 0..<V { p[v] = fastExp(z[v] - m) }
        let s = rowSum(p, count: V), inv = 1 / s
        for v in 0..<V { p[v] *= inv }
        let t = Int(targets[r])
        // A NaN logit is skipped by max() but poisons the sum, so the loss is NaN too.
        losses[r] = (m + logf(s)) - z[t]
    }
}

/// Backward of `crossEntropyForward` for the loss `scale · Σ_r loss[r]`:
/// `dlogits[r, v] += scale · (p[r, v] − 1[v = target[r]])`.
///
/// For the mean over BT rows, `scale = 1/BT` (times 1/steps under gradient accumulation).
/// With `accumulate: false`, `dlogits = …` instead (a scratch gradient this kernel alone
/// writes, which then needs no zeroing first).
func crossEntropyBackward(
    _ dlogits: UnsafeMutablePointer<Float>,
    _ probs: UnsafePointer<Float>, _ targets: UnsafePointer<UInt8>, scale: Float,
    rows BT: Int, vocab V: Int, accumulate: Bool = true
) {
    for r in 0..<BT {
        let d = dlogits + r * V, p = probs + r * V
        if accumulate {
            for v in 0..<V { d[v] += scale * p[v] }
        } else {
            for v in 0..<V { d[v] = scale * p[v] }
        }
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
