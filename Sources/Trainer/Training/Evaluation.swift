/// Mean loss (nats/token) of `model` on `bytes`, cut into non-overlapping windows of T + 1
/// bytes advancing by T: window k predicts bytes[kT+1 … kT+T] from bytes[kT … kT+T−1]. Every
/// byte after the first is predicted exactly once (up to the last partial window, dropped), and
/// the windows depend only on the bytes and T, so every run with the same context is scored on
/// exactly the same predictions. Sums are in Double in window order.
public func evaluate(_ model: any LanguageModel, on bytes: [UInt8]) -> Double {
    let T = model.shape.context
    var total = 0.0
    let windows = forEachEvaluationBatch(model, on: bytes) { b, mean, _ in total += mean * Double(b * T) }
    return total / Double(windows * T)
}

/// Runs `model` forward over the windows of `bytes` that `evaluate(_:on:)` scores, a micro-batch
/// at a time and in window order, and hands `body` each batch's window count b, its mean loss and
/// its targets (b·T bytes, row-major; the model's `lastProbabilities` hold its predictions).
/// Returns the number of windows.
@discardableResult
func forEachEvaluationBatch(_ model: any LanguageModel, on bytes: [UInt8],
                            _ body: (_ b: Int, _ mean: Double, _ targets: [UInt8]) -> Void) -> Int {
    let T = model.shape.context, B = model.microBatch
    let windows = (bytes.count - 1) / T
    precondition(windows >= 1, "evaluation needs at least T + 1 = \(T + 1) bytes, got \(bytes.count)")
    var inputs = [UInt8](repeating: 0, count: B * T), targets = inputs
    bytes.withUnsafeBufferPointer { src in
        var w = 0
        while w < windows {
            let b = min(B, windows - w)
            for i in 0..<b {
                let start = (w + i) * T
                for t in 0..<T { inputs[i * T + t] = src[start + t]; targets[i * T + t] = src[start + t + 1] }
            }
            let mean = inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in
                model.forward(inputs: x.baseAddress!, targets: y.baseAddress!, batch: b) } }
            body(b, mean, targets)
            w += b
        }
    }
    return windows
}

/// Bits per byte of a loss in nats per token when each token is one byte: `L / ln 2`.
public func bitsPerByte(nats: Double) -> Double { nats / 0.6931471805599453 }
