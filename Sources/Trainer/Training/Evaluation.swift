/// Mean loss (nats/token) of `model` on `bytes`, cut into non-overlapping windows of T + 1
/// bytes advancing by T: window k predicts bytes[kT+1 … kT+T] from bytes[kT … kT+T−1]. Every
/// byte after the first is predicted exactly once (up to the last partial window, dropped), and
/// the windows depend only on the bytes and T, so every run with the same context is scored on
/// exactly the same predictions. Sums are in Double in window order.
public func evaluate(_ model: any LanguageModel, on bytes: [UInt8]) -> Double {
    let T = model.shape.context, B = model.microBatch
    let windows = (bytes.count - 1) / T
    precondition(windows >= 1, "evaluation needs at least T + 1 = \(T + 1) bytes, got \(bytes.count)")
    var inputs = [UInt8](repeating: 0, count: B * T), targets = inputs
    var total = 0.0
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
            total += mean * Double(b * T)
            w += b
        }
    }
    return total / Double(windows * T)
}

/// Bits per byte of a loss in nats per token when each token is one byte: `L / ln 2`.
public func bitsPerByte(nats: Double) -> Double { nats / 0.6931471805599453 }
