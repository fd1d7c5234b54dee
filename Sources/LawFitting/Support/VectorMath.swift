/// `exp` and `log` on eight lanes at once, for the approach-3 kernel's inner loop.
///
/// exp: x = k·ln 2 + r with |r| ≤ ln2/2 (ln 2 split in a high and a low part, Cody & Waite 1980),
/// e^r by its Taylor polynomial to degree 13 (truncation < 2e-17 relative), times 2^k built in the
/// exponent bits. log: x = m·2^k with m ∈ [√½, √2), log m = 2·atanh(f), f = (m−1)/(m+1),
/// |f| ≤ 0.1716, by the odd series to f^23 (truncation < 1e-17). Both within a few ulp of libm
/// (tested). Finite, normal inputs only: exp for x ∈ [−708, 709], log for x > 0.
typealias Double8 = SIMD8<Double>

private let ln2Hi = 6.93147180369123816490e-01
private let ln2Lo = 1.90821492927058770002e-10
private let log2e = 1.44269504088896338700e+00

/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
private let shifter = 6755399441055744.0

@inline(__always) func exp8(_ x: Double8) -> Double8 {
    let t = x * log2e + shifter
    let k = t - shifter                       // round(x·log2 e), exactly
    let r = x - k * ln2Hi - k * ln2Lo
    // e^r = Σ_{i≤13} r^i/i!, by Estrin's scheme: pairs, then powers r², r⁴, r⁸. The dependency
    // chain is 5 multiply-adds deep instead of Horner's 13, which is what bounds this loop.
    let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
    let p01 = 1 + r
    let p23 = 1.0 / 2 + r * (1.0 / 6)
    let p45 = 1.0 / 24 + r * (1.0 / 120)
    let p67 = 1.0 / 720 + r * (1.0 / 5040)
    let p89 = 1.0 / 40320 + r * (1.0 / 362880)
    let p1011 = 1.0 / 3628800 + r * (1.0 / 39916800)
    let p1213 = 1.0 / 479001600 + r * (1.0 / 6227020800)
    let p03 = p01 + r2 * p23
    let p47 = p45 + r2 * p67
    let p811 = p89 + r2 * p1011
    let p07 = p03 + r4 * p47
    let p813 = p811 + r4 * p1213
    let p = p07 + r8 * p813
    // 2^k: k sits in the low bits of t; (k + 1023) shifted into the exponent field.
    let bits = (unsafeBitCast(t, to: SIMD8<Int64>.self) &+ 1023) &<< 52
    return p * unsafeBitCast(bits, to: Double8.self)
}

@inline(__always) func log8(_ x: Double8) -> Double8 {
    let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
    var k = bits &>> 52                       // biased exponent, 0…2046 for positive normal x
    // m in [1, 2): keep the mantissa, set the exponent to 0.
    var m = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Double8.self)
    let big = m .> 1.4142135623730951
    m.replace(with: m * 0.5, where: big)
    k.replace(with: k &+ 1, where: big)
    let f = (m - 1) / (m + 1)
    // atanh series Σ_{i≤11} s^i/(2i+1), s = f², by Estrin's scheme.
    let s = f * f, s2 = s * s, s4 = s2 * s2, s8 = s4 * s4
    let q01 = 1 + s * (1.0 / 3)
    let q23 = 1.0 / 5 + s * (1.0 / 7)
    let q45 = 1.0 / 9 + s * (1.0 / 11)
    let q67 = 1.0 / 13 + s * (1.0 / 15)
    let q89 = 1.0 / 17 + s * (1.0 / 19)
    let q1011 = 1.0 / 21 + s * (1.0 / 23)
    let q03 = q01 + s2 * q23
    let q47 = q45 + s2 * q67
    let q811 = q89 + s2 * q1011
    let p = (q03 + s4 * q47) + s8 * q811
    // k − 1023 as a double: put k in the mantissa of 2^52 and subtract 2^52 + 1023.
    let kd = unsafeBitCast(k | 0x4330_0000_0000_0000, to: Double8.self) - (4503599627370496.0 + 1023)
    return kd * ln2Hi + (2 * f * p + kd * ln2Lo)
}

/// Lane-wise `max(x, bound)`, written as a compare and blend so it inlines.
@inline(__always) func clampBelow(_ x: Double8, _ bound: Double8) -> Double8 {
    x.replacing(with: bound, where: x .< bound)
}

/// Lane-wise `min(x, bound)`.
@inline(__always) func clampAbove(_ x: Double8, _ bound: Double8) -> Double8 {
    x.replacing(with: bound, where: x .> bound)
}
