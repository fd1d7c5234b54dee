// IEEE square roots for the trainer's kernels, without C's errno semantics.
//
// Swift's `squareRoot()` reaches C's `__builtin_sqrtf` through a standard-library shim that is
// compiled with errno semantics (-fmath-errno, the default), so LLVM must keep a call to `sqrtf`
// for negative inputs: in AdamW's 16-lane kernel that became one branchy `sqrtf` call per lane
// instead of one `vsqrtps`. Clang's element-wise builtins never set errno: they lower to
// `llvm.sqrt`, the correctly rounded IEEE square root (the same bits as `squareRoot()`), which
// these `static inline` functions hand to the Swift code that inlines them, with no compiler flag.
#ifndef SCALELAB_CFLOATMATH_H
#define SCALELAB_CFLOATMATH_H

#ifdef __cplusplus
extern "C" {
#endif

/// Sixteen floats at `x` (no alignment needed), each replaced by its square root.
static inline __attribute__((always_inline)) void scalelab_sqrt16(float *x) {
    typedef float scalelab_float16 __attribute__((ext_vector_type(16), aligned(4)));
    *(scalelab_float16 *)x = __builtin_elementwise_sqrt(*(scalelab_float16 *)x);
}

/// The square root of one float (llvm.sqrt.f32: `sqrtss`, no errno branch).
static inline __attribute__((always_inline)) float scalelab_sqrtf(float x) {
    return __builtin_elementwise_sqrt(x);
}

#ifdef __cplusplus
}
#endif

#endif
