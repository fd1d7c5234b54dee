/// Residual connection: `out = a + b`. out, a, b (N).
func residualForward(_ out: UnsafeMutablePointer<Float>,
                     _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count N: Int) {
    for i in 0..<N { out[i] = a[i] + b[i] }
}

/// Backward of `residualForward`: `da += dout`, `db += dout`.
func residualBackward(_ da: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>,
                      _ dout: UnsafePointer<Float>, count N: Int) {
    for i in 0..<N {
        da[i] += dout[i]
        db[i] += dout[i]
    }
}

/// `acc += x`, the in-place half of a residual backward. acc, x (N).
func accumulate(_ acc: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count N: Int) {
    for i in 0..<N { acc[i] += x[i] }
}
