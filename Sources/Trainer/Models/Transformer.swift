/// A decoder-only, pre-LayerNorm transformer language model over bytes (GPT-2 style,
/// Radford et al. 2019), with learned positions and tied input/output embeddings.
///
/// Per block: `x += attn(ln1(x))`, `x += mlp(ln2(x))` with `mlp = fcproj ∘ gelu ∘ fc`;
/// then `logits = lnf(x) · wteᵀ`. Forward and backward are flat lists of kernel calls.
public final class TransformerModel: LanguageModel {
    public let shape: ModelShape
    public let microBatch: Int
    public let threads: Int
    let layout: TransformerLayout
    let acts: TransformerActivations
    let scratch: TransformerGradientScratch
    public let parameters: UnsafeMutablePointer<Float>
    public let gradients: UnsafeMutablePointer<Float>
    let a: UnsafeMutablePointer<Float>      // activations
    let g: UnsafeMutablePointer<Float>      // gradient scratch
    let inputs: UnsafeMutablePointer<UInt8>, targets: UnsafeMutablePointer<UInt8>
    private var lastBatch = 0

    public var tensors: [ParameterTensor] { layout.tensors }
    public var parameterCount: Int { layout.count }
    public var activationFloats: Int { acts.count + scratch.count }
    public var lastProbabilities: UnsafePointer<Float> { UnsafePointer(a + acts.logits) }

    init(_ shape: ModelShape, microBatch: Int, threads: Int) {
        precondition(shape.architecture == .transformer && shape.dModel % shape.heads == 0,
                     "TransformerModel needs a validated transformer shape, got \(shape)")
        self.shape = shape
        self.microBatch = microBatch
        self.threads = max(1, threads)
        layout = TransformerLayout(shape)
        acts = TransformerActivations(shape, batch: microBatch)
        scratch = TransformerGradientScratch(shape, batch: microBatch, threads: self.threads)
        parameters = allocateFloats(layout.count)
        gradients = allocateFloats(layout.count)
        a = allocateFloats(acts.count)
        g = allocateFloats(scratch.count)
        inputs = .allocate(capacity: microBatch * shape.context)
        targets = .allocate(capacity: microBatch * shape.context)
    }

    deinit {
        deallocateFloats(parameters); deallocateFloats(gradients); deallocateFloats(a); deallocateFloats(g)
        inputs.deallocate(); targets.deallocate()
    }

    public func forward(inputs tokensIn: UnsafePointer<UInt8>, targets tokensOut: UnsafePointer<UInt8>,
                        batch B: Int) -> Double {
        precondition(B >= 1 && B <= microBatch, "batch \(B) outside 1...\(microBatch)")
        let T = shape.context, C = shape.dModel, F = shape.dFF, V = shape.vocab, NH = shape.heads
        let BT = B * T, p = UnsafePointer(parameters), n = threads
        inputs.update(from: tokensIn, count: BT)
        targets.update(from: tokensOut, count: BT)
        lastBatch = B

        // Every kernel but attention works on rows independently, so the kernels between two
        // attentions run as one chain on each thread's block of rows (one hand-off per chain, not
        // one per kernel, and a block's activations are still in cache for the next kernel).
        // Attention needs whole sequences and is split by (sequence, head) pairs.
        embeddingForward(a + acts.encoded, inputs, p + layout.wte, p + layout.wpe, batch: B, time: T, channels: C)
        for l in 0..<shape.layers {
            let w = layout.layers[l], x = acts.layers[l]
            let residual = l == 0 ? a + acts.encoded : a + acts.layers[l - 1].res3
            parallelChunks(BT, threads: n, minChunk: minParallelRows) { r in
                let o = r.lowerBound, R = r.count
                layernormForward(a + x.ln1 + o * C, a + x.ln1Mean + o, a + x.ln1Rstd + o, residual + o * C, p + w.ln1w, p + w.ln1b, rows: R, channels: C)
                matmulForward(a + x.qkv + o * 3 * C, a + x.ln1 + o * C, p + w.qkvw, p + w.qkvb, rows: R, inChannels: C, outChannels: 3 * C)
            }
            attentionForwardParallel(a + x.atty, a + x.att, a + x.qkv, batch: B, time: T, channels: C, heads: NH, threads: n)
            parallelChunks(BT, threads: n, minChunk: minParallelRows) { r in
                let o = r.lowerBound, R = r.count
                matmulResidualForward(a + x.res2 + o * C, residual + o * C, a + x.atty + o * C, p + w.attprojw, p + w.attprojb, rows: R, inChannels: C, outChannels: C)
                layernormForward(a + x.ln2 + o * C, a + x.ln2Mean + o, a + x.ln2Rstd + o, a + x.res2 + o * C, p + w.ln2w, p + w.ln2b, rows: R, channels: C)
                matmulForward(a + x.fch + o * F, a + x.ln2 + o * C, p + w.fcw, p + w.fcb, rows: R, inChannels: C, outChannels: F)
                geluForward(a + x.fchGelu + o * F, a + x.fch + o * F, count: R * F)
                matmulResidualForward(a + x.res3 + o * C, a + x.res2 + o * C, a + x.fchGelu + o * F, p + w.fcprojw, p + w.fcprojb, rows: R, inChannels: F, outChannels: C)
            }
        }
        let top = a + acts.layers[shape.layers - 1].res3
        parallelChunks(BT, threads: n, minChunk: minParallelRows) { r in
            let o = r.lowerBound, R = r.count
            layernormForward(a + acts.lnf + o * C, a + acts.lnfMean + o, a + acts.lnfRstd + o, top + o * C, p + layout.lnfw, p + layout.lnfb, rows: R, channels: C)
            matmulForward(a + acts.logits + o * V, a + acts.lnf + o * C, p + layout.wte, nil, rows: R, inChannels: C, outChannels: V)
            crossEntropyForward(a + acts.logits + o * V, a + acts.losses + o, targets + o, rows: R, vocab: V)
        }
        return sumLosses(a + acts.losses, count: BT) / Double(BT)
    }

    public func backward(lossScale: Float) {
        let B = lastBatch
        precondition(B > 0, "backward before forward")
        let T = shape.context, C = shape.dModel, F = shape.dFF, V = shape.vocab, NH = shape.heads
        let BT = B * T, p = UnsafePointer(parameters), d = gradients, n = threads
        let dres = g + scratch.dres, dln = g + scratch.dln
        dres.update(repeating: 0, count: BT * C)

        crossEntropyBackwardParallel(a + acts.logits, targets, scale: lossScale / Float(BT), rows: BT, vocab: V, threads: n)
        matmulBackwardParallel(g + scratch.dlnf, d + layout.wte, nil, a + acts.logits, a + acts.lnf, p + layout.wte, rows: BT, inChannels: C, outChannels: V, threads: n, accumulateInput: false)
        let top = a + acts.layers[shape.layers - 1].res3
        layernormBackwardParallel(dres, d + layout.lnfw, d + layout.lnfb, g + scratch.dlnf, top, p + layout.lnfw, a + acts.lnfMean, a + acts.lnfRstd, rows: BT, channels: C, threads: n)
        for l in stride(from: shape.layers - 1, through: 0, by: -1) {
            let w = layout.layers[l], x = acts.layers[l]
            let residual = l == 0 ? a + acts.encoded : a + acts.layers[l - 1].res3
            // The scratch gradients dfchGelu, dfch, dln, datty and dqkv are written (not added to)
            // by the one kernel that feeds each, so none of them is zeroed first.
            // dres holds ∂/∂res3 here; res3 = res2 + fcproj, so it is also ∂/∂fcproj.
            matmulBackwardParallel(g + scratch.dfchGelu, d + w.fcprojw, d + w.fcprojb, dres, a + x.fchGelu, p + w.fcprojw, rows: BT, inChannels: F, outChannels: C, threads: n, accumulateInput: false)
            geluBackwardParallel(g + scratch.dfch, a + x.fch, g + scratch.dfchGelu, count: BT * F, threads: n, accumulate: false)
            matmulBackwardParallel(dln, d + w.fcw, d + w.fcb, g + scratch.dfch, a + x.ln2, p + w.fcw, rows: BT, inChannels: C, outChannels: F, threads: n, accumulateInput: false)
            layernormBackwardParallel(dres, d + w.ln2w, d + w.ln2b, dln, a + x.res2, p + w.ln2w, a + x.ln2Mean, a + x.ln2Rstd, rows: BT, channels: C, threads: n)
            // dres now holds ∂/∂res2 = ∂/∂attproj = the residual-path part of ∂/∂residual.
            matmulBackwardParallel(g + scratch.datty, d + w.attprojw, d + w.attprojb, dres, a + x.atty, p + w.attprojw, rows: BT, inChannels: C, outChannels: C, threads: n, accumulateInput: false)
            attentionBackwardParallel(g + scratch.dqkv, g + scratch.attScratch, g + scratch.datty, a + x.qkv, a + x.att, batch: B, time: T, channels: C, heads: NH, threads: n, accumulate: false)
            matmulBackwardParallel(dln, d + w.qkvw, d + w.qkvb, g + scratch.dqkv, a + x.ln1, p + w.qkvw, rows: BT, inChannels: C, outChannels: 3 * C, threads: n, accumulateInput: false)
            layernormBackwardParallel(dres, d + w.ln1w, d + w.ln1b, dln, residual, p + w.ln1w, a + x.ln1Mean, a + x.ln1Rstd, rows: BT, channels: C, threads: n)
            // dres now holds ∂/∂residual, the gradient flowing into the block below.
        }
        embeddingBackward(d + layout.wte, d + layout.wpe, dres, inputs, batch: B, time: T, channels: C)
    }
}
