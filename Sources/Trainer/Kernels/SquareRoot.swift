import CFloatMath

// IEEE square roots for the kernels, the same bits as `squareRoot()` but without its errno
// semantics: `squareRoot()` goes through a C shim compiled with -fmath-errno, which left AdamW's
// kernel with a branchy `sqrtf` call per lane (and one in its scalar tail). CFloatMath's
// functions are `__builtin_elementwise_sqrt`, which never sets errno and lowers to `llvm.sqrt`:
// one `vsqrtps` per vector, one `vsqrtss` per scalar, in release builds. No compiler flag needed.

/// The lane-wise square root of sixteen floats.
@inline(__always)
func squareRoot16(_ v: SIMD16<Float>) -> SIMD16<Float> {
    var r = v
    withUnsafeMutableBytes(of: &r) { scalelab_sqrt16($0.baseAddress!.assumingMemoryBound(to: Float.self)) }
    return r
}

/// The square root of one float.
@inline(__always)
func squareRoot1(_ x: Float) -> Float { scalelab_sqrtf(x) }
