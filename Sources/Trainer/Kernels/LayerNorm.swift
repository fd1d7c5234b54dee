import Foundation

/// Layer normalization over channels (Ba et al. 2016, arXiv:1607.06450):
/// `μ = mean(x)`, `σ² = mean((x − μ)²)`, `r = 1/√(σ² + ε)`, `out = (x − μ)·r·w + b`, ε = 1e-5.
///
/// out (BT, C), mean (BT), rstd (BT) caches for the backward, inp (BT, C), weight (C), bias (C).
func layernormForward(
    _ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
    _ rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
    rows BT: Int, channels C: Int
) {
    let eps: Float = 1e-5
    for r in 0..<BT {
        let x = inp + r * C, y = out + r * C
        let m = rowSum(x, count: C) / Float(C)
        let v = rowSumSquares(x, minus: m, count: C) / Float(C)
        let s = 1 / (v + eps).squareRoot()
        for c in 0..<C { y[c] = (x[c] - m) * s * weight[c] + bias[c] }
        mean[r] = m
        rstd[r] = s
    }
}

/// Backward of `layernormForward`. With `n = (x − μ)·r` and `g = dout·w`:
/// `dx += r·(g − mean(g) − n·mean(g·n))`, `dw += Σ_rows dout·n`, `db += Σ_rows dout`.
func layernormBackward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>?,
    _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
    rows BT: Int, channels C: Int
) {
    for r in 0..<BT {
        let x = inp + r * C, dy = dout + r * C, dx = dinp + r * C
        let m = mean[r], s = rstd[r]
        // Σ g = Σ dy·w and Σ g·n = s·Σ dy·w·(x − μ), in sixteen lanes.
        var gs = SIMD16<Float>(repeating: 0), gns = SIMD16<Float>(repeating: 0)
        var c = 0
        while c + 16 <= C {
            let g = load16(dy + c) * load16(weight + c)
            gs += g
            gns += g * (load16(x + c) - m)
            c += 16
        }
        var gSum = gs.sum(), gxSum = gns.sum()
        while c < C { let g = dy[c] * weight[c]; gSum += g; gxSum += g * (x[c] - m); c += 1 }
        let gMean = gSum / Float(C), gnMean = gxSum * s / Float(C)
        for c in 0..<C {
            let n = (x[c] - m) * s
            let g = dy[c] * weight[c]
            dx[c] += s * (g - gMean - n * gnMean)
        }
        if let dweight, let dbias {
            for c in 0..<C {
                dweight[c] += dy[c] * (x[c] - m) * s
                dbias[c] += dy[c]
            }
        }
    }
}

/// The parameter half of `layernormBackward` for channels in `cs` only, rows in order, so
/// splitting channels across threads gives bitwise the serial result. Sixteen channels at a
/// time sum down all rows in registers (the same additions in the same order as the serial
/// kernel, without a load and store of dweight and dbias per row).
func layernormBackwardParameters(
    _ dweight: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
    rows BT: Int, channels C: Int, range cs: Range<Int>
) {
    var c = cs.lowerBound
    while c + 16 <= cs.upperBound {
        var dw = load16(dweight + c), db = load16(dbias + c)
        for r in 0..<BT {
            let dy = load16(dout + r * C + c)
            dw += dy * (load16(inp + r * C + c) - mean[r]) * rstd[r]
            db += dy
        }
        store16(dw, dweight + c)
        store16(db, dbias + c)
        c += 16
    }
    for c in c..<cs.upperBound {
        var dw = dweight[c], db = dbias[c]
        for r in 0..<BT {
            let dy = dout[r * C + c]
            dw += dy * (inp[r * C + c] - mean[r]) * rstd[r]
            db += dy
        }
        dweight[c] = dw
        dbias[c] = db
    }
}

// MARK: - Naive reference (Double)

func layernormForwardReference(inp: [Double], weight: [Double], bias: [Double],
                               rows BT: Int, channels C: Int) -> [Double] {
    var out = [Double](repeating: 0, count: BT * C)
    for r in 0..<BT {
        let x = Array(inp[r * C..<(r + 1) * C])
        let m = x.reduce(0, +) / Double(C)
        let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(C)
        let s = 1 / (v + 1e-5).squareRoot()
        for c in 0..<C { out[r * C + c] = (x[c] - m) * s * weight[c] + bias[c] }
    }
    return out
}

func layernormBackwardReference(dout: [Double], inp: [Double], weight: [Double],
                                rows BT: Int, channels C: Int)
    -> (dinp: [Double], dweight: [Double], dbias: [Double]) {
    var dinp = [Double](repeating: 0, count: BT * C)
    var dweight = [Double](repeating: 0, count: C)
    var dbias = [Double](repeating: 0, count: C)
    for r in 0..<BT {
        let x = Array(inp[r * C..<(r + 1) * C])
        let m = x.reduce(0, +) / Double(C)
        let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(C)
        let s = 1 / (v + 1e-5).squareRoot()
        let n = x.map { ($0 - m) * s }
        let g = (0..<C).map { dout[r * C + $0] * weight[$0] }
        let gMean = g.reduce(0, +) / Double(C)
        let gnMean = zip(g, n).map { $0 * $1 }.reduce(0, +) / Double(C)
        for c in 0..<C {
            dinp[r * C + c] = s * (g[c] - gMean - n[c] * gnMean)
            dweight[c] += dout[r * C + c] * n[c]
            dbias[c] += dout[r * C + c]
        }
    }
    return (dinp, dweight, dbias)
}
