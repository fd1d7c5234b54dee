import Foundation

/// How an axis maps values to positions.
public enum AxisScale: String, Sendable, Codable, Equatable {
    case linear
    /// Base-10 logarithmic; only positive values are drawn.
    case log
}

/// One axis of a chart: its label, scale and (optionally) a fixed domain.
public struct Axis: Sendable, Equatable {
    public var label: String
    public var scale: AxisScale
    /// The values shown; nil fits the data (padded a little).
    public var domain: ClosedRange<Double>?

    public init(_ label: String, scale: AxisScale = .linear, domain: ClosedRange<Double>? = nil) {
        self.label = label
        self.scale = scale
        self.domain = domain
    }
}

/// A resolved axis: the domain, the pixel range, and the map between them.
struct AxisMap {
    let scale: AxisScale
    let domain: ClosedRange<Double>
    /// Pixel positions of `domain.lowerBound` and `domain.upperBound` (may be reversed for y).
    let from: Double, to: Double

    /// The value in the axis' transformed space: itself, or its log10.
    func transform(_ v: Double) -> Double { scale == .log ? log10(v) : v }

    /// The pixel position of `v`; nil when `v` cannot be drawn (non-finite, or ≤ 0 on a log axis).
    ///
    /// Halves before subtracting, so a domain as wide as the Doubles (−1.8e308 to 1.8e308) does
    /// not overflow (halving is exact: the positions are the same bytes as without it). A value
    /// far outside the domain is clamped to a million pixels, which the plot's clip hides.
    func position(_ v: Double) -> Double? {
        guard v.isFinite, scale == .linear || v > 0 else { return nil }
        let a = transform(domain.lowerBound) / 2, b = transform(domain.upperBound) / 2
        guard b - a > 0, (b - a).isFinite else { return (from + to) / 2 }
        let p = from + (transform(v) / 2 - a) / (b - a) * (to - from)
        return p.isFinite ? min(max(p, -1e6), 1e6) : nil
    }

    func contains(_ v: Double) -> Bool {
        v >= domain.lowerBound * (1 - 1e-9) - 1e-12 && v <= domain.upperBound * (1 + 1e-9) + 1e-12
    }

    var ticks: AxisTicks {
        scale == .log ? Ticks.log(domain.lowerBound, domain.upperBound) : Ticks.linear(domain.lowerBound, domain.upperBound)
    }

    /// The domain to show for data spanning `values`: the extent padded by `padding` of its
    /// width on each side (in log space for a log axis), widened when it is a single value.
    static func fittedDomain(_ values: [Double], scale: AxisScale, padding: Double = 0.04) -> ClosedRange<Double> {
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard let lo = usable.min(), let hi = usable.max() else { return scale == .log ? 1...10 : 0...1 }
        switch scale {
        case .log:
            var (a, b) = (log10(lo), log10(hi))
            if b - a < 1e-9 { a -= 0.5; b += 0.5 }
            let pad = (b - a) * padding
            return logDomain(a - pad, b + pad)
        case .linear:
            var (a, b) = (lo, hi)
            if b - a < 1e-12 * max(1, abs(a)) { let w = max(abs(a) * 0.1, 1); a -= w; b += w }
            let pad = (b - a) * padding
            return clampedFinite(a - pad)...clampedFinite(b + pad)
        }
    }

    /// `10^a ... 10^b` kept inside the positive Doubles (4.9e-324 to 1.8e308), and never a
    /// single value.
    static func logDomain(_ a: Double, _ b: Double) -> ClosedRange<Double> {
        let lo = min(max(pow(10, a), .leastNonzeroMagnitude), .greatestFiniteMagnitude)
        let hi = min(max(pow(10, b), .leastNonzeroMagnitude), .greatestFiniteMagnitude)
        if hi > lo { return lo...hi }
        return lo == .greatestFiniteMagnitude ? lo / 10...lo : lo...max(hi * 10, .leastNonzeroMagnitude * 2)
    }

    private static func clampedFinite(_ x: Double) -> Double {
        min(max(x, -.greatestFiniteMagnitude), .greatestFiniteMagnitude)
    }
}
