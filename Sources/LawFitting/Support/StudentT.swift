import Foundation

/// Student's t distribution: its quantiles, and the prediction interval of a new draw from the
/// mean and spread of a few.
public enum StudentT {
    /// The cumulative distribution function at `t` with `nu` degrees of freedom: ½ plus the
    /// integral of the density from 0 to |t| (composite Simpson's rule on 2,000 panels after the
    /// substitution t = tan θ, whose integrand is smooth and bounded for ν ≥ 1), with the sign
    /// of t. ν must be at least 1.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu >= 1, "degrees of freedom must be at least 1")
        if t.isNaN { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        // density f(t) = c·(1 + t²/ν)^(−(ν+1)/2); with t = tan θ, dt = sec²θ dθ.
        let c = Foundation.exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / (nu * Double.pi).squareRoot()
        let upper = Foundation.atan(abs(t)), panels = 2000
        let h = upper / Double(panels)
        func g(_ theta: Double) -> Double {
            let x = Foundation.tan(theta), sec2 = 1 + x * x
            return c * Foundation.pow(1 + x * x / nu, -(nu + 1) / 2) * sec2
        }
        var sum = g(0) + g(upper)
        for k in 1..<panels { sum += g(Double(k) * h) * (k % 2 == 1 ? 4 : 2) }
        let half = sum * h / 3
        return t >= 0 ? 0.5 + half : 0.5 - half
    }

    /// The `p`-quantile with `nu` (at least 1) degrees of freedom, by bisection on `cdf` (to 1e-10 in t).
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1, "a quantile's probability must be in (0, 1)")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        var (lo, hi) = (0.0, 1.0)
        while cdf(hi, degreesOfFreedom: nu) < p { hi *= 2 }
        while hi - lo > 1e-10 * max(1, hi) {
            let mid = (lo + hi) / 2
            if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// The central `level` prediction interval of one new draw from the distribution `values` were
    /// drawn from, assuming it normal: mean ± t(ν = n−1)·s·√(1 + 1/n). Nil with fewer than two
    /// values or a non-finite one.
    public static func predictionInterval(_ values: [Double], level: Double) -> [Double]? {
        guard values.count >= 2, values.allSatisfy(\.isFinite), level > 0, level < 1 else { return nil }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let s = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        return predictionInterval(mean: mean, count: values.count, standardDeviation: s, degreesOfFreedom: n - 1, level: level)
    }

    /// The central `level` prediction interval of one new draw, from the mean of `count` draws
    /// and a standard deviation `s` estimated with `nu` (at least 1) degrees of freedom (from
    /// those draws, or pooled over several groups): mean ± t(ν)·s·√(1 + 1/count).
    public static func predictionInterval(mean: Double, count: Int, standardDeviation s: Double, degreesOfFreedom nu: Double,
                                          level: Double) -> [Double] {
        let half = quantile((1 + level) / 2, degreesOfFreedom: nu) * s * (1 + 1 / Double(count)).squareRoot()
        return [mean - half, mean + half]
    }
}
