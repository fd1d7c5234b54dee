/// Vectorized e^x and tanh for the element-wise kernels (GELU, softmax), eight lanes at a time.
///
/// `exp8`: write x = n·ln 2 + r with n = round(x/ln 2) and |r| ≤ ln 2 / 2 (ln 2 split in a high
/// and a low part, Cody & Waite 1980, so r is exact to float precision); then
/// e^r = Σ_{k≤6} r^k/k! (Taylor, truncation error r⁷/7! < 1.3·10⁻⁷ relative at |r| = ln 2/2) and
/// e^x = e^r · 2^n with 2^n built from its exponent bits. Inputs are clamped to [−87, 88] so
/// 2^n stays a normal float; NaN lanes stay NaN, so divergence still shows in the loss.
@inline(__always)
func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let nan = x .!= x
    var v = x.replacing(with: 0, where: nan)
    v = v.replacing(with: 88, where: v .> 88)
    v = v.replacing(with: -87, where: v .< -87)
    // Round to nearest by adding and subtracting 1.5·2²³ (the float spacing there is 1); the
    // integer n then sits in the low mantissa bits of `t`, with no float-to-int conversion.
    let magic: Float = 12_582_912
    let t = v * 1.4426950408889634 + magic
    let n = t - magic
    let r = v - n * 0.693145751953125 - n * 1.4286067653301870e-6
    var p = r * (1.0 / 720) + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return (p * unsafeBitCast(bits, to: SIMD8<Float>.self)).replacing(with: .nan, where: nan)
}

/// `tanh u = 1 − 2/(e^{2u} + 1)`: absolute error ≈ 1e-7, saturates exactly to ±1, NaN stays NaN.
@inline(__always)
func tanh8(_ u: SIMD8<Float>) -> SIMD8<Float> {
    1 - 2 / (exp8(2 * u) + 1)
}

/// Loads up to 8 floats (the rest padded with `pad`), for the tail of a vector loop.
@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ n: Int, pad: Float = 0) -> SIMD8<Float> {
    if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>(repeating: pad)
    for i in 0..<n { v[i] = p[i] }
    return v
}

/// Stores the first `n` (≤ 8) lanes.
@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
    for i in 0..<n { p[i] = v[i] }
}
