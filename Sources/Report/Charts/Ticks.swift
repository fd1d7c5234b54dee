import Foundation

/// One labelled tick of an axis.
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: TickLabel

    public init(value: Double, label: TickLabel) {
        self.value = value
        self.label = label
    }
}

/// A tick label: plain text (`2.5`), or a mantissa times a power of ten (`10^18`, `3×10^9`)
/// which SVG writes with a superscript `<tspan>`.
public enum TickLabel: Sendable, Equatable {
    case text(String)
    case power(mantissa: String?, exponent: Int)

    /// The label as plain text: `2.5`, `1e18`, `3e9`.
    public var plain: String {
        switch self {
        case .text(let s): s
        case let .power(m, e): (m ?? "1") + "e" + String(e)
        }
    }
}

/// The ticks of an axis: labelled major ticks (with grid lines) and unlabelled minor ticks.
public struct AxisTicks: Sendable, Equatable {
    public var major: [Tick]
    public var minor: [Double]
}

/// Tick placement: Heckbert's nice numbers for linear axes, decades for log axes
/// (P. Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
public enum Ticks {
    /// A "nice" number near `x > 0`: 1, 2, 5 or 10 times a power of ten. With `round`, the
    /// nearest one (thresholds 1.5, 3, 7); without, the smallest one at least `x`. A value with
    /// no nice number (zero, negative, non-finite, or one whose nice number would overflow) is
    /// returned as it is.
    public static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return x }
        let exponent = Int(x.log10Floor)
        let f = SVGText.dividingByPow10(x, exponent)
        let nice: Double = round
            ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10)
            : (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10)
        let value = (-300...300).contains(exponent) ? nice * SVGText.pow10(exponent) : SVGText.dividingByPow10(nice, -exponent)
        return value.isFinite && value > 0 ? value : x
    }

    /// The nice step for about `count` ticks over `[low, high]`; NaN when the range has none
    /// (empty, a single value, not finite, or wider than the largest Double).
    public static func linearStep(_ low: Double, _ high: Double, count: Int = 5) -> Double {
        guard high > low, (high - low).isFinite, low.isFinite else { return .nan }
        let range = niceNumber(high - low, round: false)
        let step = niceNumber(range / Double(max(count, 2) - 1), round: true)
        return step.isFinite && step > 0 ? step : .nan
    }

    /// The multiples of a nice step inside `[low, high]`, computed as integer multiples so that
    /// 0.1 + 0.2 noise never reaches a label.
    public static func linearValues(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        let step = linearStep(low, high, count: count)
        let a = (low / step - 1e-9).rounded(.up), b = (high / step + 1e-9).rounded(.down)
        // A range of a few steps far from zero (1e300 ± 1e286) has multiples beyond Int.
        guard a.isFinite, b.isFinite, abs(a) < 1e15, abs(b) < 1e15, a <= b, b - a <= 1000 else { return [] }
        let first = Int(a), last = Int(b)
        // step = m·10^e with m in {1, 2, 5, 10}: k·m is exact, and so is one multiplication or
        // division by an exact power of ten (0.3, not 3 × 0.1 = 0.30000000000000004).
        let e = Int(step.log10Floor)
        let m = (step / SVGText.pow10(e)).rounded()
        return (first...last).map { k in
            e >= 0 ? Double(k) * m * SVGText.pow10(e) : Double(k) * m / SVGText.pow10(-e)
        }
    }

    /// Ticks of a linear axis, labelled with as many decimals as the step needs.
    ///
    /// A range with no nice step (a single value, or one wider than the largest Double) gets a
    /// tick at each finite end instead.
    public static func linear(_ low: Double, _ high: Double, count: Int = 5) -> AxisTicks {
        let step = linearStep(low, high, count: count)
        let values = linearValues(low, high, count: count)
        guard step.isFinite, !values.isEmpty else { return endTicks(low, high) }
        let magnitude = values.map(abs).max() ?? 0
        if magnitude >= 1e5 || (magnitude > 0 && magnitude < 1e-3) {
            return AxisTicks(major: values.map { Tick(value: $0, label: powerLabel($0, step: step)) }, minor: [])
        }
        let decimals = max(0, -Int(step.log10Floor))
        guard decimals <= 9 else {
            // A step below 1e-9 on values near 1: as many significant digits as the step needs.
            let digits = min(15, Int(magnitude.log10Floor) - Int(step.log10Floor) + 1)
            return AxisTicks(major: values.map { Tick(value: $0, label: .text(SVGText.general($0, significant: digits))) }, minor: [])
        }
        return AxisTicks(major: values.map { Tick(value: $0, label: .text(SVGText.fixed($0, decimals: decimals, trimZeros: false))) }, minor: [])
    }

    /// A labelled tick at each finite end of `[low, high]` (one when they are equal), with the
    /// digits that tell the two apart.
    static func endTicks(_ low: Double, _ high: Double) -> AxisTicks {
        let ends = (low == high ? [low] : [low, high]).filter(\.isFinite)
        let span = abs(high - low)
        return AxisTicks(major: ends.map { v in
            let magnitude = abs(v)
            let step = span.isFinite && span > 0 ? min(span, magnitude / 1000) : magnitude / 1000
            let label: TickLabel = magnitude != 0 && (magnitude >= 1e5 || magnitude < 1e-3)
                ? powerLabel(v, step: step)
                : .text(SVGText.general(v, significant: min(15, max(4, Int(magnitude.log10Floor) - Int(step.log10Floor) + 1))))
            return Tick(value: v, label: label)
        }, minor: [])
    }

    /// The powers of ten inside `[low, high]` (both positive), every `stride`-th decade when
    /// there are more than `maxMajor` of them.
    public static func decades(_ low: Double, _ high: Double, maxMajor: Int = 8) -> (values: [Int], stride: Int) {
        guard low > 0, high > low, high.isFinite else { return ([], 1) }
        let first = Int(low.log10Floor) + (SVGText.pow10(Int(low.log10Floor)) < low * (1 - 1e-12) ? 1 : 0)
        let last = Int(high.log10Floor)
        guard first <= last else { return ([], 1) }
        let count = last - first + 1
        let stride = count <= maxMajor ? 1 : Int((Double(count) / Double(maxMajor)).rounded(.up))
        // Decades a Double cannot hold as a positive number (below 1e-323) are never labelled.
        let values = (first...last).filter { ($0 % stride + stride) % stride == 0 && SVGText.pow10($0) > 0 }
        return (values, stride)
    }

    /// Ticks of a log axis over `[low, high]`.
    ///
    /// With at least two powers of ten in range: a labelled tick at each decade (every k-th when
    /// there are many) and minor ticks at 2…9 × 10^k (or at the skipped decades). With fewer —
    /// a loss axis from 2 to 4 — nice linear values, which read better than a lone `10^0`.
    public static func log(_ low: Double, _ high: Double, maxMajor: Int = 8) -> AxisTicks {
        let (exponents, stride) = decades(low, high, maxMajor: maxMajor)
        guard exponents.count >= 2, low > 0, high > low, high.isFinite else {
            var t = linear(low, high, count: 5)
            t.major = t.major.filter { $0.value > 0 }
            return t
        }
        let plainDecades = exponents.allSatisfy { (-2...3).contains($0) }
        let major = exponents.map { k in
            Tick(value: SVGText.pow10(k),
                 label: plainDecades ? .text(k >= 0 ? SVGText.fixed(SVGText.pow10(k), decimals: 0) : SVGText.fixed(SVGText.pow10(k), decimals: -k))
                                     : .power(mantissa: nil, exponent: k))
        }
        var minor: [Double] = []
        let lowDecade = Int(low.log10Floor), highDecade = Int(high.log10Floor)
        for k in lowDecade...highDecade {
            if stride == 1 {
                for m in 2...9 {
                    let v = Double(m) * SVGText.pow10(k)
                    if v >= low && v <= high && v > 0 { minor.append(v) }
                }
            } else if !exponents.contains(k) {
                let v = SVGText.pow10(k)
                if v >= low && v <= high && v > 0 { minor.append(v) }
            }
        }
        return AxisTicks(major: major, minor: minor)
    }

    /// `v` as mantissa × 10^exponent, the mantissa with the digits the step needs.
    ///
    /// Ticks closer together than a millionth of their size (1e300 + k·1e290) need more digits
    /// than a mantissa shows: they are written in full, `1.0000000001e+300`, so no two read alike.
    static func powerLabel(_ v: Double, step: Double) -> TickLabel {
        if v == 0 { return .text("0") }
        var exponent = Int(abs(v).log10Floor)
        let digits = max(0, exponent - Int(step.log10Floor))
        if digits > 6 { return .text(SVGText.general(v, significant: min(15, digits + 1))) }
        var m = SVGText.fixed(SVGText.dividingByPow10(v, exponent), decimals: digits)
        if m == "10" || m == "-10" {
            // log10 rounded just below a power of ten: 9.9999999e-10 is 10^-9.
            exponent += 1
            m = SVGText.fixed(SVGText.dividingByPow10(v, exponent), decimals: digits)
        }
        return .power(mantissa: m == "1" ? nil : m, exponent: exponent)
    }
}
