/// e^x and tanh for the element-wise kernels (GELU, softmax), written as branch-free scalar
/// code so that the loops calling them auto-vectorize (16 lanes under AVX-512). Swift's
/// `SIMD8` masks, bit casts and shifts compiled to per-lane scalar code here, about 20× slower.
///
/// `fastExp`: write x = n·ln 2 + r with n = round(x/ln 2) and |r| ≤ ln 2 / 2 (ln 2 split in a
/// high and a low part, Cody & Waite 1980, so r is exact to float precision); then
/// e^r = Σ_{k≤6} r^k/k! (Taylor, truncation error r⁷/7! < 1.3·10⁻⁷ relative at |r| = ln 2/2) and
/// e^x = e^r · 2^n with 2^n built from its exponent bits. Inputs are clamped to [−87, 88] so
/// 2^n stays a normal float; a NaN fails both clamp comparisons and stays NaN through the
/// polynomial, so divergence still shows in the loss.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    var v = x > 88 ? 88 : x
    v = v < -87 ? -87 : v
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
    let bits = (Int32(bitPattern: t.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
    return p * Float(bitPattern: UInt32(bitPattern: bits))
}

/// `tanh u = 1 − 2/(e^{2u} + 1)`: absolute error ≈ 1e-7, saturates exactly to ±1, NaN stays NaN.
@inline(__always)
func fastTanh(_ u: Float) -> Float {
    1 - 2 / (fastExp(2 * u) + 1)
}

/// The largest of `p[0..<n]` (n ≥ 1), NaNs skipped; sixteen running maxima. The masked
/// `replace` compiles to one `vmaxps` per 16 floats, whose rule (keep m unless x > m) is this one.
@inline(__always)
func rowMax(_ p: UnsafePointer<Float>, count n: Int) -> Float {
    var m = SIMD16<Float>(repeating: -.infinity)
    var j = 0
    while j + 16 <= n {
        let x = load16(p + j)
        m.replace(with: x, where: x .> m)
        j += 16
    }
    var r = -Float.infinity
    for l in 0..<16 where m[l] > r { r = m[l] }
    while j < n { if p[j] > r { r = p[j] }; j += 1 }
    return r
}

/// `Σ p[0..<n]` in sixteen lanes (a fixed order for a given n).
@inline(__always)
func rowSum(_ p: UnsafePointer<Float>, count n: Int) -> Float {
    var s = SIMD16<Float>(repeating: 0)
    var j = 0
    while j + 16 <= n { s += load16(p + j); j += 16 }
    var r = s.sum()
    while j < n { r += p[j]; j += 1 }
    return r
}

/// `Σ a[j]·b[j]` over `0..<n` in sixteen lanes (a fixed order for a given n).
@inline(__always)
func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
    var s = SIMD16<Float>(repeating: 0)
    var j = 0
    while j + 16 <= n {
        s += load16(a + j) * load16(b + j)
        j += 16
    }
    var r = s.sum()
    while j < n { r += a[j] * b[j]; j += 1 }
    return r
}

/// `Σ (p[j] − m)²` over `0..<n` in sixteen lanes (a fixed order for a given n).
@inline(__always)
func rowSumSquares(_ p: UnsafePointer<Float>, minus m: Float, count n: Int) -> Float {
    var s = SIMD16<Float>(repeating: 0)
    var j = 0
    while j + 16 <= n { let d = load16(p + j) - m; s += d * d; j += 16 }
    var r = s.sum()
    while j < n { let d = p[j] - m; r += d * d; j += 1 }
    return r
}

/// Sixteen floats from `p` (no alignment needed).
@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// Stores sixteen floats at `p` (no alignment needed).
@inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
