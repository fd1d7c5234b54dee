/// The row-wise kernels split across threads. Each chunk writes disjoint rows (or, for
/// parameter gradients, disjoint channels visiting rows in order), so the result is bitwise
/// the serial kernel's for any thread count.

/// Rows per chunk below which threading costs more than it saves.
let minParallelElements = 1 << 14

func layernormForwardParallel(
    _ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
    rows BT: Int, channels C: Int, threads: Int
) {
    parallelChunks(BT, threads: threads, minChunk: max(1, minParallelElements / C)) { r in
        layernormForward(out + r.lowerBound * C, mean + r.lowerBound, rstd + r.lowerBound,
                         inp + r.lowerBound * C, weight, bias, rows: r.count, channels: C)
    }
}

func layernormBackwardParallel(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
    rows BT: Int, channels C: Int, threads: Int
) {
    if threads <= 1 || BT * C < 2 * minParallelElements {
        layernormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, rows: BT, channels: C)
        return
    }
    parallelChunks(BT, threads: threads, minChunk: max(1, minParallelElements / C)) { r in
        let o = r.lowerBound
        layernormBackward(dinp + o * C, nil, nil, dout + o * C, inp + o * C, weight, mean + o, rstd + o,
                          rows: r.count, channels: C)
    }
    parallelChunks(C, threads: threads) { cs in
        layernormBackwardParameters(dweight, dbias, dout, inp, mean, rstd, rows: BT, channels: C, range: cs)
    }
}

func geluForwardParallel(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count N: Int, threads: Int) {
    parallelChunks(N, threads: threads, minChunk: minParallelElements) { r in
        geluForward(out + r.lowerBound, inp + r.lowerBound, count: r.count)
    }
}

func geluBackwardParallel(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                          _ dout: UnsafePointer<Float>, count N: Int, threads: Int, accumulate: Bool = true) {
    parallelChunks(N, threads: threads, minChunk: minParallelElements) { r in
        geluBackward(dinp + r.lowerBound, inp + r.lowerBound, dout + r.lowerBound, count: r.count, accumulate: accumulate)
    }
}

func crossEntropyForwardParallel(
    _ probs: UnsafeMutablePointer<Float>, _ losses: UnsafeMutablePointer<Float>,
    _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<UInt8>, rows BT: Int, vocab V: Int, threads: Int
) {
    parallelChunks(BT, threads: threads, minChunk: max(1, minParallelElements / V)) { r in
        let o = r.lowerBound
        crossEntropyForward(probs + o * V, losses + o, logits + o * V, targets + o, rows: r.count, vocab: V)
    }
}

/// Rows per GEMM chunk below which a split is not worth a thread hand-off.
let minParallelRows = 64

func matmulForwardParallel(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    rows BT: Int, inChannels C: Int, outChannels OC: Int, threads: Int
) {
    parallelChunks(BT, threads: threads, minChunk: minParallelRows) { r in
        matmulForward(out + r.lowerBound * OC, inp + r.lowerBound * C, weight, bias,
                      rows: r.count, inChannels: C, outChannels: OC)
    }
}

/// Input gradient split by rows, weight and bias gradients split by output channel: every
/// thread writes its own block, so no reduction crosses threads. `accumulateInput: false`
/// overwrites dinp instead of adding (see `matmulBackwardInput`); the weight gradients always add.
func matmulBackwardParallel(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows BT: Int, inChannels C: Int, outChannels OC: Int, threads: Int, accumulateInput: Bool = true
) {
    parallelChunks(BT, threads: threads, minChunk: minParallelRows) { r in
        matmulBackwardInput(dinp + r.lowerBound * C, dout + r.lowerBound * OC, weight,
                            rows: r.count, inChannels: C, outChannels: OC, accumulate: accumulateInput)
    }
    parallelChunks(OC, threads: threads, minChunk: 16) { os in
        matmulBackwardWeight(dweight, dbias, dout, inp, rows: BT, inChannels: C, outChannels: OC, range: os)
    }
}

/// Attention over (batch, head) pairs split across threads; `scratch` holds T·T floats per thread.
func attentionForwardParallel(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int, heads NH: Int, threads: Int
) {
    parallelChunks(B * NH, threads: threads) { pairs in
        attentionForward(out, att, qkv, batch: B, time: T, channels: C, heads: NH, pairs: pairs)
    }
}

func attentionBackwardParallel(
    _ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ att: UnsafePointer<Float>,
    batch B: Int, time T: Int, channels C: Int, heads NH: Int, threads: Int, accumulate: Bool = true
) {
    let parts = max(1, min(threads, B * NH))
    parallelChunks(parts, threads: parts) { ps in
        for p in ps {
            attentionBackward(dqkv, scratch + p * T * T, dout, qkv, att, batch: B, time: T, channels: C, heads: NH,
                              pairs: chunkRange(B * NH, parts: parts, index: p), accumulate: accumulate)
        }
    }
}

func residualForwardParallel(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                             count N: Int, threads: Int) {
    parallelChunks(N, threads: threads, minChunk: minParallelElements) { r in
        residualForward(out + r.lowerBound, a + r.lowerBound, b + r.lowerBound, count: r.count)
    }
}

func crossEntropyBackwardParallel(
    _ dlogits: UnsafeMutablePointer<Float>, _ probs: UnsafePointer<Float>, _ targets: UnsafePointer<UInt8>,
    scale: Float, rows BT: Int, vocab V: Int, threads: Int, accumulate: Bool = true
) {
    parallelChunks(BT, threads: threads, minChunk: max(1, minParallelElements / V)) { r in
        let o = r.lowerBound
        crossEntropyBackward(dlogits + o * V, probs + o * V, targets + o, scale: scale, rows: r.count, vocab: V,
                             accumulate: accumulate)
    }
}
