import Foundation

/// GELU, tanh approximation (Hendrycks & Gimpel 2016, arXiv:1606.08415):
/// `gelu(x) = ½·x·(1 + tanh(u))`, `u = √(2/π)·(x + 0.044715·x³)`.
///
/// out (N), inp (N); N is any element count (BT·F in the MLP).
func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count N: Int) {
    let k: Float = 0.7978845608028654   // √(2/π)
    for i in 0..<N {
        let x = inp[i]
        out[i] = 0.5 * x * (1 + fastTanh(k * (x + 0.044715 * x * x * x)))
    }
}

/// Backward of `geluForward`:
/// `gelu′(x) = ½(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)`; `dinp += dout·gelu′`,
/// or with `accumulate: false` `dinp = dout·gelu′` (a scratch gradient this kernel alone writes).
func geluBackward(_ dinp: UnsafeMutablePointer<Float>,
                  _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count N: Int,
                  accumulate: Bool = true) {
    let k: Float = 0.7978845608028654
    for i in 0..<N {
        let x = inp[i]
        let t = fastTanh(k * (x + 0.044715 * x * x * x))
        let du = k * (1 + 3 * 0.044715 * x * x)
        let g = dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        dinp[i] = accumulate ? dinp[i] + g : g
    }
}

// MARK: - Naive reference (Double)

func geluReference(_ x: Double) -> Double {
    0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
}

func geluDerivativeReference(_ x: Double) -> Double {
    let k = (2 / Double.pi).squareRoot()
    let t = tanh(k * (x + 0.044715 * x * x * x))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
}
