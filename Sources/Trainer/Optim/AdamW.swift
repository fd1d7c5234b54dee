import Foundation

/// AdamW's constants (Loshchilov & Hutter 2019, arXiv:1711.05101), with the defaults of the issue.
///
/// β2 = 0.95 rather than 0.999: at the small batches of small models the second-moment estimate
/// must follow the gradient scale quickly (Porian et al. 2024, arXiv:2406.19146).
public struct AdamWConfig: Sendable, Codable, Equatable {
    public var beta1: Double = 0.9
    public var beta2: Double = 0.95
    public var epsilon: Double = 1e-8
    /// Decoupled weight decay, applied only to tensors whose `decays` flag is set (matrices).
    public var weightDecay: Double = 0.1
    /// Global gradient-norm clip; ≤ 0 disables clipping.
    public var clipNorm: Double = 1.0
    public init() {}
}

/// AdamW state over one flat parameter buffer: first and second moments and the step count.
///
/// Per step t (1-based), for every parameter θ with gradient g:
/// `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`, `m̂ = m/(1−β1ᵗ)`, `v̂ = v/(1−β2ᵗ)`,
/// `θ ← θ − η·(m̂/(√v̂ + ε) + λ·θ)` with λ = weightDecay on decayed tensors and 0 elsewhere.
public final class AdamW {
    public let config: AdamWConfig
    public let count: Int
    public let m: UnsafeMutablePointer<Float>
    public let v: UnsafeMutablePointer<Float>
    public internal(set) var step = 0
    /// Per parameter range: decay on or off (from the model's tensors, merged when adjacent).
    let ranges: [(range: Range<Int>, decays: Bool)]

    public init(config: AdamWConfig, tensors: [ParameterTensor], count: Int) {
        self.config = config
        self.count = count
        m = allocateFloats(count)
        v = allocateFloats(count)
        var merged: [(range: Range<Int>, decays: Bool)] = []
        for t in tensors.sorted(by: { $0.offset < $1.offset }) {
            let r = t.offset..<(t.offset + t.count)
            if let last = merged.last, last.decays == t.decays, last.range.upperBound == r.lowerBound {
                merged[merged.count - 1].range = last.range.lowerBound..<r.upperBound
            } else { merged.append((r, t.decays)) }
        }
        ranges = merged
    }

    deinit { deallocateFloats(m); deallocateFloats(v) }

    /// Applies one update with learning rate `lr`. Returns the gradient's global L2 norm
    /// before clipping (computed in Double, in a fixed order for a given thread count).
    @discardableResult
    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                       learningRate lr: Double, threads: Int = 1) -> Double {
        let norm = globalNorm(gradients, count: count, threads: threads)
        let clip = config.clipNorm > 0 && norm > config.clipNorm ? config.clipNorm / norm : 1
        step += 1
        let t = Double(step)
        let b1 = Float(config.beta1), b2 = Float(config.beta2), eps = Float(config.epsilon)
        let c1 = Float(1 / (1 - pow(config.beta1, t))), c2 = Float(1 / (1 - pow(config.beta2, t)))
        let eta = Float(lr), g = Float(clip)
        // One split of the whole flat buffer (not one per tensor range, most of which are too
        // small to split): each chunk updates the pieces of the ranges it overlaps.
        let ranges = self.ranges, weightDecay = Float(config.weightDecay)
        parallelChunks(count, threads: threads, minChunk: 1 << 14) { chunk in
            for (range, decays) in ranges where range.overlaps(chunk) {
                let lo = max(range.lowerBound, chunk.lowerBound), hi = min(range.upperBound, chunk.upperBound)
                adamwKernel(parameters + lo, gradients + lo, m + lo, v + lo, count: hi - lo,
                            lr: eta, beta1: b1, beta2: b2, eps: eps, weightDecay: decays ? weightDecay : 0,
                            gradScale: g, bias1: c1, bias2: c2)
            }
        }
        return norm
    }
}

/// The element-wise AdamW step over one contiguous range; `gradScale` applies the clip.
/// Sixteen lanes at a time (the compiler does not vectorize the scalar loop: four pointers that
/// might alias), then `adamwKernelScalar` for the tail; the same operations in the same order,
/// so bitwise the scalar result.
@inline(__always)
func adamwKernel(_ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
                 _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, count n: Int,
                 lr: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float,
                 gradScale: Float, bias1: Float, bias2: Float) {
    var i = 0
    while i + 16 <= n {
        let g = load16(grad + i) * gradScale
        let mi = beta1 * load16(m + i) + (1 - beta1) * g
        let vi = beta2 * load16(v + i) + (1 - beta2) * g * g
        let pi = load16(p + i)
        store16(mi, m + i)
        store16(vi, v + i)
        store16(pi - lr * ((mi * bias1) / (squareRoot16(vi * bias2) + eps) + weightDecay * pi), p + i)
        i += 16
    }
    adamwKernelScalar(p + i, grad + i, m + i, v + i, count: n - i, lr: lr, beta1: beta1, beta2: beta2, eps: eps,
                      weightDecay: weightDecay, gradScale: gradScale, bias1: bias1, bias2: bias2)
}

/// `adamwKernel` one element at a time: the reference it is tested against, and its tail.
@inline(__always)
func adamwKernelScalar(_ p: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
                       _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, count n: Int,
                       lr: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float,
                       gradScale: Float, bias1: Float, bias2: Float) {
    for i in 0..<n {
        let g = grad[i] * gradScale
        let mi = beta1 * m[i] + (1 - beta1) * g
        let vi = beta2 * v[i] + (1 - beta2) * g * g
        m[i] = mi
        v[i] = vi
        p[i] -= lr * ((mi * bias1) / (squareRoot1(vi * bias2) + eps) + weightDecay * p[i])
    }
}

/// `‖g‖₂` accumulated in Double: per-chunk partial sums, added in chunk order. The chunks
/// (about `globalNormChunk` floats each) depend only on n, so the norm is bitwise the same
/// for every thread count; the threads share out whole chunks.
func globalNorm(_ g: UnsafePointer<Float>, count n: Int, threads: Int) -> Double {
    let parts = max(1, n / globalNormChunk)
    var partial = [Double](repeating: 0, count: parts)
    partial.withUnsafeMutableBufferPointer { out in
        let o = out.baseAddress!
        parallelChunks(parts, threads: threads) { ps in
            for p in ps {
                o[p] = sumOfSquares(g, chunkRange(n, parts: parts, index: p))
            }
        }
    }
    return partial.reduce(0, +).squareRoot()
}

/// `Σ g[i]²` over `range` in Double, in sixteen running sums (lane k takes the i ≡ k mod 16; the
/// lanes are then added in order, then the tail): a fixed order, and no chain of dependent adds.
@inline(__always)
func sumOfSquares(_ g: UnsafePointer<Float>, _ range: Range<Int>) -> Double {
    var lo = SIMD8<Double>(), hi = SIMD8<Double>()
    var i = range.lowerBound
    while i + 16 <= range.upperBound {
        let x = load16(g + i)
        let a = SIMD8<Double>(x.lowHalf), b = SIMD8<Double>(x.highHalf)
        lo.addProduct(a, a)
        hi.addProduct(b, b)
        i += 16
    }
    var s = 0.0
    for k in 0..<8 { s += lo[k] }
    for k in 0..<8 { s += hi[k] }
    for i in i..<range.upperBound { let x = Double(g[i]); s += x * x }
    return s
}

/// Floats per partial sum of `globalNorm`: enough chunks to share among threads at small
/// sizes, few enough that adding up the partials costs nothing.
let globalNormChunk = 1 << 14
