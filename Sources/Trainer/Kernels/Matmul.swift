import CBLAS

/// Fully connected layer: `out = inp · Wᵀ + bias`.
///
/// out (BT, OC), inp (BT, C), weight (OC, C), bias (OC) or nil. The bias rows are copied into
/// `out` first and the product added to them by `cblas_sgemm` (beta = 1).
func matmulForward(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    rows BT: Int, inChannels C: Int, outChannels OC: Int
) {
    var beta: Float = 0
    if let bias {
        fillRows(out, with: bias, rows: BT, channels: OC)
        beta = 1
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(BT), Int32(OC), Int32(C),
                1, inp, Int32(C), weight, Int32(C), beta, out, Int32(OC))
}

/// A projection added into the residual stream: `out = residual + inp · Wᵀ + bias`.
///
/// out, residual (BT, OC), inp (BT, C), weight (OC, C), bias (OC); out may be residual. The
/// rows of `residual + bias` are written first and `cblas_sgemm` adds the product to them
/// (beta = 1): one pass over out instead of three (bias rows, product, residual sum), and no
/// (BT, OC) buffer for the projection, which the backward pass never reads.
func matmulResidualForward(
    _ out: UnsafeMutablePointer<Float>, _ residual: UnsafePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
    rows BT: Int, inChannels C: Int, outChannels OC: Int
) {
    for r in 0..<BT {
        let y = out + r * OC, x = residual + r * OC
        for o in 0..<OC { y[o] = x[o] + bias[o] }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(BT), Int32(OC), Int32(C),
                1, inp, Int32(C), weight, Int32(C), 1, out, Int32(OC))
}

/// Every row of out (rows, C) set to `row` (C), by doubling: the rows filled so far are copied
/// after themselves, so it takes log₂(rows) + 1 copies rather than one short copy per row.
func fillRows(_ out: UnsafeMutablePointer<Float>, with row: UnsafePointer<Float>, rows: Int, channels C: Int) {
    guard rows > 0 else { return }
    out.update(from: row, count: C)
    var filled = 1
    while filled < rows {
        let n = min(filled, rows - filled)
        (out + filled * C).update(from: out, count: n * C)
        filled += n
    }
}

/// Backward of `matmulForward`:
/// `dinp += dout · W`, `dW += doutᵀ · inp`, `dbias += Σ_rows dout`.
///
/// dinp (BT, C), dweight (OC, C), dbias (OC) or nil, dout (BT, OC), inp (BT, C), weight (OC, C).
func matmulBackward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows BT: Int, inChannels C: Int, outChannels OC: Int
) {
    matmulBackwardInput(dinp, dout, weight, rows: BT, inChannels: C, outChannels: OC)
    matmulBackwardWeight(dweight, dbias, dout, inp, rows: BT, inChannels: C, outChannels: OC, range: 0..<OC)
}

/// `dinp += dout · W` for the BT rows given; with `accumulate: false`, `dinp = dout · W` (for a
/// scratch gradient this product alone writes, which then needs no zeroing first).
/// dinp (BT, C), dout (BT, OC), weight (OC, C).
///
/// With C ≤ 64 the rows go in pieces of `narrowProductRows`: OpenBLAS hands a piece that small
/// to its small-matrix kernel, which reads dout in place, instead of packing a (BT, OC) panel
/// for just C columns of output. On the benchmark machine (OpenBLAS 0.3.21, Cooperlake kernels,
/// one thread) 512 rows with C = 64, OC = 256 took 228 µs in one call and 184 µs in 32-row
/// pieces; with C ≥ 128 one call is faster. Each row's sum is formed the same way in every
/// piece, so the split does not depend on the thread count.
func matmulBackwardInput(
    _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows BT: Int, inChannels C: Int, outChannels OC: Int, accumulate: Bool = true
) {
    let piece = C <= 64 ? narrowProductRows : max(1, BT)
    for r in stride(from: 0, to: BT, by: piece) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(min(piece, BT - r)), Int32(C), Int32(OC),
                    1, dout + r * OC, Int32(OC), weight, Int32(C), accumulate ? 1 : 0, dinp + r * C, Int32(C))
    }
}

/// Rows per call of `matmulBackwardInput` when its output has at most 64 columns.
let narrowProductRows = 32

/// `dW[o] += Σ_rows dout[·, o] · inp`, `dbias[o] += Σ_rows dout[·, o]` for output channels o in
/// `os` only (rows summed in order), so channel ranges can go to different threads.
func matmulBackwardWeight(
    _ dweight: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
    rows BT: Int, inChannels C: Int, outChannels OC: Int, range os: Range<Int>
) {
    guard !os.isEmpty else { return }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(os.count), Int32(C), Int32(BT),
                1, dout + os.lowerBound, Int32(OC), inp, Int32(C), 1, dweight + os.lowerBound * C, Int32(C))
    if let dbias { sumRows(into: dbias, dout, rows: BT, channels: OC, range: os) }
}

/// `acc[o] += Σ_rows x[·, o]` for o in `os`, rows added in order; sixteen channels at a time
/// are summed in a register (the same additions, in the same order, as a row-by-row loop).
/// acc (C), x (BT, C).
func sumRows(into acc: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows BT: Int, channels C: Int,
             range os: Range<Int>) {
    var o = os.lowerBound
    while o + 16 <= os.upperBound {
        var s = load16(acc + o)
        for r in 0..<BT { s += load16(x + r * C + o) }
        store16(s, acc + o)
        o += 16
    }
    for o in o..<os.upperBound {
        var s = acc[o]
        for r in 0..<BT { s += x[r * C + o] }
        acc[o] = s
    }
}

// MARK: - Naive reference (Double)

func matmulForwardReference(inp: [Double], weight: [Double], bias: [Double]?,
                            rows BT: Int, inChannels C: Int, outChannels OC: Int) -> [Double] {
    var out = [Double](repeating: 0, count: BT * OC)
    for r in 0..<BT {
        for o in 0..<OC {
            var s = bias?[o] ?? 0
            for c in 0..<C { s += inp[r * C + c] * weight[o * C + c] }
            out[r * OC + o] = s
        }
    }
    return out
}

func matmulBackwardReference(dout: [Double], inp: [Double], weight: [Double],
                             rows BT: Int, inChannels C: Int, outChannels OC: Int)
    -> (dinp: [Double], dweight: [Double], dbias: [Double]) {
    var dinp = [Double](repeating: 0, count: BT * C)
    var dweight = [Double](repeating: 0, count: OC * C)
    var dbias = [Double](repeating: 0, count: OC)
    for r in 0..<BT {
        for o in 0..<OC {
            let g = dout[r * OC + o]
            dbias[o] += g
            for c in 0..<C {
                dinp[r * C + c] += g * weight[o * C + c]
                dweight[o * C + c] += g * inp[r * C + c]
            }
        }
    }
    return (dinp, dweight, dbias)
}
