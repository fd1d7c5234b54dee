/// `exp` and `log` on four lanes at once, for the approach-3 kernel's inner loop.
///
/// exp: x = k·ln 2 + r with |r| ≤ ln2/2 (ln 2 split in a high and a low part, Cody & Waite 1980),
/// e^r by its Taylor polynomial to degree 13 (truncation < 2e-17 relative), times 2^k built in the
/// exponent bits. log: x = m·2^k with m ∈ [√½, √2), log m = 2·atanh(f), f = (m−1)/(m+1),
/// |f| ≤ 0.1716, by the odd series to f^23 (truncation < 1e-17). Both within a few ulp of libm
/// (tested). Finite, normal inputs only: exp for x ∈ [−708, 709], log for x > 0.
typealias Double4 = SIMD4<Double>

private let ln2Hi = 6.93147180369123816490e-01
private let ln2Lo = 1.90821492927058770002e-10
private let log2e = 1.44269504088896338700e+00

/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
private let shifter = 6755399441055744.0

@inline(__always) func exp4(_ x: Double4) -> Double4 {
    let t = x * log2e + shifter
    let k = t - shifter                       // round(x·log2 e), exactly
    let r = x - k * ln2Hi - k * ln2Lo
    // Horner, 1/13! … 1/0!
    var p = Double4(repeating: 1.0 / 6227020800.0)
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    // 2^k: k sits in the low bits of t; (k + 1023) shifted into the exponent field.
    let bits = (unsafeBitCast(t, to: SIMD4<Int64>.self) &+ 1023) &<< 52
    return p * unsafeBitCast(bits, to: Double4.self)
}

@inline(__always) func log4(_ x: Double4) -> Double4 {
    let bits = unsafeBitCast(x, to: SIMD4<Int64>.self)
    var k = bits &>> 52                       // biased exponent, 0…2046 for positive normal x
    // m in [1, 2): keep the mantissa, set the exponent to 0.
    var m = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Double4.self)
    let big = m .> 1.4142135623730951
    m.replace(with: m * 0.5, where: big)
    k.replace(with: k &+ 1, where: unsafeBitCast(big, to: SIMDMask<SIMD4<Int64>>.self))
    let f = (m - 1) / (m + 1)
    let s = f * f
    var p = Double4(repeating: 1.0 / 23.0)
    p = p * s + 1.0 / 21.0
    p = p * s + 1.0 / 19.0
    p = p * s + 1.0 / 17.0
    p = p * s + 1.0 / 15.0
    p = p * s + 1.0 / 13.0
    p = p * s + 1.0 / 11.0
    p = p * s + 1.0 / 9.0
    p = p * s + 1.0 / 7.0
    p = p * s + 1.0 / 5.0
    p = p * s + 1.0 / 3.0
    p = p * s + 1.0
    // k − 1023 as a double: put k in the mantissa of 2^52 and subtract 2^52 + 1023.
    let kd = unsafeBitCast(k | 0x4330_0000_0000_0000, to: Double4.self) - (4503599627370496.0 + 1023)
    return kd * ln2Hi + (2 * f * p + kd * ln2Lo)
}
