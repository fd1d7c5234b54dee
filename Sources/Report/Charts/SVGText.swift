import Foundation

/// Text and numbers as they appear in SVG and HTML: escaped, and formatted the same way on
/// every machine (no locale, no `%g` differences between platforms).
public enum SVGText {
    /// Escapes `&`, `<`, `>`, `"` and `'` so any string is safe as element text or as a quoted
    /// attribute value.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// `x` rounded to `decimals` places, trailing zeros dropped (unless `trimZeros` is false):
    /// `12.5`, `3`, `-0.25`; untrimmed `2.50`, `0.00`.
    ///
    /// Coordinates are written with 2 decimals (a hundredth of a pixel): enough for any screen,
    /// and short. Negative zero is written `0`. Never traps: `decimals` is clamped to 0...15, a
    /// value too large for 64-bit integer digits (|x| ≥ 9e18 after scaling) is written in
    /// scientific notation with 15 significant digits (`1e+300`), and a non-finite one as `nan`,
    /// `inf` or `-inf` (the figures never pass one: they skip what they cannot draw).
    public static func fixed(_ x: Double, decimals: Int = 2, trimZeros: Bool = true) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        let decimals = min(max(decimals, 0), 15)
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (x * Double(scale)).rounded()
        guard abs(scaled) < 9e18 else { return general(x, significant: 15) }
        let n = Int64(scaled)
        if !trimZeros && decimals > 0 {
            let digits = String(n.magnitude)
            let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
            return (n < 0 ? "-" : "") + padded.dropLast(decimals) + "." + padded.suffix(decimals)
        }
        if n == 0 { return "0" }
        let sign = n < 0 ? "-" : ""
        let magnitude = n.magnitude
        let whole = magnitude / UInt64(scale)
        var fraction = magnitude % UInt64(scale)
        guard fraction != 0 else { return sign + String(whole) }
        var digits = decimals
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let f = String(fraction)
        return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
    }

    /// `x` with `significant` significant digits in plain or scientific notation, the way `%g`
    /// chooses, but identical on every platform: `1.69`, `406.4`, `3.22e+10`, `0.00123`.
    public static func general(_ x: Double, significant: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let significant = min(max(significant, 1), 15)
        var exponent = Int((abs(x)).log10Floor)
        // Rounding can carry into the next decade (9.9996 → 10.00).
        var mantissa = roundTo(dividingByPow10(abs(x), exponent), decimals: significant - 1)
        if mantissa >= 10 { exponent += 1; mantissa = roundTo(dividingByPow10(abs(x), exponent), decimals: significant - 1) }
        let sign = x < 0 ? "-" : ""
        if exponent < -4 || exponent >= significant {
            let e = exponent < 0 ? "-" + pad2(-exponent) : "+" + pad2(exponent)
            return sign + fixed(mantissa, decimals: significant - 1) + "e" + e
        }
        let decimals = max(0, significant - 1 - exponent)
        return sign + fixed(roundTo(abs(x), decimals: decimals), decimals: min(decimals, 15))
    }

    /// `x / 10^k`, in two steps when 10^k alone would overflow or underflow (|k| > 300), so a
    /// subnormal 4.9e-324 or the largest Double still gets its mantissa.
    static func dividingByPow10(_ x: Double, _ k: Int) -> Double {
        if (-300...300).contains(k) { return x / pow10(k) }
        return k > 0 ? x / pow10(300) / pow10(k - 300) : x * pow10(300) / pow10(k + 300)
    }

    /// `10^k` as a Double, exact for the powers of ten a Double holds exactly.
    static func pow10(_ k: Int) -> Double {
        var r = 1.0
        if k >= 0 { for _ in 0..<k { r *= 10 } } else { for _ in 0..<(-k) { r /= 10 } }
        return r
    }

    private static func roundTo(_ x: Double, decimals: Int) -> Double {
        let s = pow10(decimals)
        return (x * s).rounded() / s
    }

    private static func pad2(_ k: Int) -> String { k < 10 ? "0\(k)" : "\(k)" }
}

extension Double {
    /// `floor(log10(self))` for positive values, corrected for the rounding of `log10` near powers
    /// of ten; 0 for zero, negative or non-finite values (which have none).
    var log10Floor: Double {
        guard isFinite, self > 0 else { return 0 }
        var k = Foundation.log10(self).rounded(.down)
        if SVGText.pow10(Int(k)) > self { k -= 1 }
        if SVGText.pow10(Int(k) + 1) <= self { k += 1 }
        return k
    }
}
