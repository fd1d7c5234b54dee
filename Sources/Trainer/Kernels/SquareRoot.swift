import CFloatMath

/// The lane-wise IEEE square root of sixteen floats: the same bits as `v.squareRoot()`, as one
/// `vsqrtps` (or two, with 8-lane vectors) in release builds. `squareRoot()` goes through a C
/// shim compiled with errno semantics, which left AdamW's kernel with a branchy `sqrtf` call per
/// lane; `scalelab_sqrt16` (CFloatMath) is `__builtin_elementwise_sqrt`, which never sets errno.
@inline(__always)
func squareRoot16(_ v: SIMD16<Float>) -> SIMD16<Float> {
    var r = v
    withUnsafeMutableBytes(of: &r) { scalelab_sqrt16($0.baseAddress!.assumingMemoryBound(to: Float.self)) }
    return r
}
