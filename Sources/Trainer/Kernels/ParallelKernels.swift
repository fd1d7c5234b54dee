/// The row-wise kernels split across threads. Each chunk writes disjoint rows (or, for
/// parameter gradients, disjoint channels visiting rows in order), so the result is bitwise
/// the serial kernel's for any thread count.

/// Rows per chunk below which threading costs more than it saves.
let minParallelElements = 1 << 14

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
    parallelRowsAndChannels(rows: BT, rowParts: max(1, min(threads, BT / max(1, minParallelElements / C))),
                            channels: C, channelParts: min(threads, C)) { r in
        let o = r.lowerBound
        layernormBackward(dinp + o * C, nil, nil, dout + o * C, inp + o * C, weight, mean + o, rstd + o,
                          rows: r.count, channels: C)
    } _: { cs in
        layernormBackwardParameters(dweight, dbias, dout, inp, mean, rstd, rows: BT, channels: C, range: cs)
    }
}

func geluBackwardParallel(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                          _ dout: UnsafePointer<Float>, count N: Int, threads: Int, accumulate: Bool = true) {
    parallelChunks(N, threads: threads, minChunk: minParallelElements) { r in
        geluBackward(dinp + r.lowerBound, inp + r.lowerBound, dout + r.lowerBound, count: r.count, accumulate: accumulate)
    }
}

func crossEntropyForwardParallel(
    _ logits: UnsafeMutablePointer<Float>, _ losses: UnsafeMutablePointer<Float>,
    _ targets: UnsafePointer<UInt8>, rows BT: Int, vocab V: Int, threads: Int
) {
    parallelChunks(BT, threads: threads, minChunk: max(1, minParallelElements / V)) { r in
        let o = r.lowerBound
        crossEntropyForward(logits + o * V, losses + o, targets + o, rows: r.count, vocab: V)
    }
}

/// Rows per GEMM chunk below which a split is not worth a thread hand-off.
let minParallelRows = 64

/// Input gradient split by rows, weight and bias gradients split by output channel: every
/// thread writes its own block, so no reduction crosses threads. `accumulateInput: false`
/// overwrites dinp instead of adding (see `matmulBackwardInput`); the weight gradients always add.
func matmulBackwardParallel(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
    _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows BT: Int, inChannels C: Int, outChannels OC: Int, threads: Int, accumulateInput: Bool = true
) {
    parallelRowsAndChannels(rows: BT, rowParts: max(1, min(threads, BT / minParallelRows)),
                            channels: OC, channelParts: max(1, min(threads, OC / 16))) { r in
        matmulBackwardInput(dinp + r.lowerBound * C, dout + r.lowerBound * OC, weight,
                            rows: r.count, inChannels: C, outChannels: OC, accumulate: accumulateInput)
    } _: { os in
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

func crossEntropyBackwardParallel(
    _ probs: UnsafeMutablePointer<Float>, _ targets: UnsafePointer<UInt8>,
    scale: Float, rows BT: Int, vocab V: Int, threads: Int
) {
    parallelChunks(BT, threads: threads, minChunk: max(1, minParallelElements / V)) { r in
        let o = r.lowerBound
        crossEntropyBackward(probs + o * V, targets + o, scale: scale, rows: r.count, vocab: V)
    }
}
