import Foundation
import LawFitting
import ScalingLaws

extension HyperparameterStudy {
    /// The best factor of one axis at one size, from a parabola in x = log₂(factor).
    public struct Optimum: Sendable, Codable, Equatable {
        /// `learning-rate` or `batch`.
        public var axis: Axis
        /// The size's index, budget, non-embedding N and the default value of the axis there
        /// (peak learning rate; batch in tokens).
        public var size: Int, budget: Double, parameters: Double, defaultValue: Double
        /// The factors run (realized), smallest first, and the mean final loss of each over the seeds.
        public var factors: [Double], meanLosses: [Double]
        /// The factor with the lowest mean loss.
        public var bestMeasured: Double
        /// The vertex of the least-squares parabola `L = a + b·x + c·x²` through every run, as a
        /// factor, when it is a minimum (c > 0) inside the factors run; nil otherwise.
        public var factor: Double?
        /// Its percentile interval over a residual bootstrap of the parabola (each resample's
        /// vertex held to the factors' range; a resample without a minimum inside counts at the
        /// end where its parabola is lower); nil without a vertex, without resamples, or with only 3
        /// runs (the parabola passes through them all).
        public var interval: [Double]?
        /// The same vertex from the runs at the best measured factor and its two neighbours only
        /// (a sensitivity check: loss against the learning rate rises far more steeply above the
        /// optimum than below it, which pulls a parabola through every factor towards the low
        /// side); nil when the best measured factor is an end of the range.
        public var localFactor: Double?
        /// `c`: the loss's curvature per (doubling)² at the vertex, in nats.
        public var curvature: Double
        /// The bootstrap's vertices (factors), in draw order: the rule's bootstrap pairs the
        /// sizes' draws by index. Not written to the summary.
        public var samples: [Double] = []
        /// The optimal value (`defaultValue × factor`); nil without a vertex.
        public var value: Double? { factor.map { defaultValue * $0 } }
        /// Whether the optimum lies inside the factors run.
        public var bracketed: Bool { factor != nil }
        /// The default's mean loss above the best measured mean (nats; 0 when the default is best).
        public var defaultExcess: Double {
            guard let i = factors.firstIndex(of: 1), let best = meanLosses.min() else { return .nan }
            return meanLosses[i] - best
        }

        enum CodingKeys: String, CodingKey {
            case axis, size, budget, parameters, defaultValue, factors, meanLosses, bestMeasured, factor, interval, localFactor, curvature
        }
    }

    /// A power law `y*(N) = y₁₀₀ₖ·(N/10⁵)^exponent` through the sizes' optima of one axis.
    public struct Rule: Sendable, Codable, Equatable {
        /// `learning-rate` or `batch` (tokens).
        public var axis: Axis
        /// The sizes fitted (those with a bracketed optimum).
        public var sizes: Int
        /// The exponent and the value at N = 10⁵ non-embedding parameters, with intervals (nil
        /// with fewer than 2 sizes or no resamples).
        public var exponent: Double, valueAt100k: Double
        public var exponentInterval: [Double]?, valueInterval: [Double]?
        /// The default rule's local exponent over the same sizes (a log-log slope of the rule
        /// through the sizes' default values).
        public var defaultExponent: Double
        /// The value at a non-embedding N.
        public func value(at N: Double) -> Double { valueAt100k * Foundation.pow(N / 1e5, exponent) }
    }

    /// The parabola `a + b·x + c·x²` by least squares through (x, y); nil when the x take fewer
    /// than 3 distinct values.
    static func parabola(_ x: [Double], _ y: [Double]) -> (a: Double, b: Double, c: Double)? {
        guard Set(x).count >= 3, x.count == y.count else { return nil }
        // Normal equations on centred x for conditioning.
        let m = x.reduce(0, +) / Double(x.count)
        var s = [Double](repeating: 0, count: 5), t = [Double](repeating: 0, count: 3)
        for (xi, yi) in zip(x, y) {
            let u = xi - m
            var p = 1.0
            for k in 0..<5 {
                s[k] += p
                if k < 3 { t[k] += p * yi }
                p *= u
            }
        }
        let A = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]
        guard let q = solve3(A, t) else { return nil }
        // Back from u = x − m: a' + b'u + c'u² = (a' − b'm + c'm²) + (b' − 2c'm)x + c'x².
        return (q[0] - q[1] * m + q[2] * m * m, q[1] - 2 * q[2] * m, q[2])
    }

    /// Solves a 3×3 system by Cramer's rule; nil when it is singular.
    static func solve3(_ A: [[Double]], _ t: [Double]) -> [Double]? {
        func det(_ M: [[Double]]) -> Double {
            M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0])
                + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0])
        }
        let d = det(A)
        guard d != 0, d.isFinite else { return nil }
        return (0..<3).map { j in
            var M = A
            for i in 0..<3 { M[i][j] = t[i] }
            return det(M) / d
        }
    }

    /// The parabola's minimum in [lo, hi]: the vertex when c > 0 and it lies inside, else the
    /// end with the lower value (`inside` false).
    static func minimum(_ p: (a: Double, b: Double, c: Double), lo: Double, hi: Double) -> (x: Double, inside: Bool) {
        if p.c > 0 {
            let v = -p.b / (2 * p.c)
            if v >= lo, v <= hi { return (v, true) }
        }
        let f = { (x: Double) in p.a + p.b * x + p.c * x * x }
        return (f(lo) <= f(hi) ? lo : hi, false)
    }

    /// The optimum of one axis at one size from its runs `(factor, loss)` (every seed; the
    /// baseline at factor 1): a parabola in log₂(factor), its vertex as the optimum when it is a
    /// minimum inside the factors run, and a residual bootstrap of the parabola (residuals
    /// scaled by √(n/(n − 3)), `resamples` draws from `seed`) for its interval.
    public static func optimum(axis: Axis, size: Int, budget: Double, parameters: Double, defaultValue: Double,
                               runs: [(factor: Double, loss: Double)], resamples: Int, level: Double, seed: UInt64) -> Optimum? {
        let x = runs.map { Foundation.log2($0.factor) }, y = runs.map(\.loss)
        let factors = Array(Set(runs.map(\.factor))).sorted()
        let means = factors.map { f in
            let l = runs.filter { $0.factor == f }.map(\.loss)
            return l.reduce(0, +) / Double(l.count)
        }
        guard let p = parabola(x, y), let lo = x.min(), let hi = x.max() else { return nil }
        let best = factors[means.indices.min { means[$0] < means[$1] }!]
        let (v, inside) = minimum(p, lo: lo, hi: hi)
        var interval: [Double]? = nil, samples: [Double] = []
        // With 3 runs the parabola passes through every one: no residual is left to resample.
        if inside, resamples > 0, x.count > 3 {
            let fitted = x.map { p.a + p.b * $0 + p.c * $0 * $0 }
            let n = Double(x.count)
            let scale = n > 3 ? (n / (n - 3)).squareRoot() : 1
            let residuals = zip(y, fitted).map { ($0 - $1) * scale }
            let centre = residuals.reduce(0, +) / n
            var rng = SplitMix64(seed: seed)
            var vertices: [Double] = []
            for _ in 0..<resamples {
                let ys = fitted.map { $0 + residuals[Int.random(in: 0..<residuals.count, using: &rng)] - centre }
                guard let q = parabola(x, ys) else { continue }
                vertices.append(minimum(q, lo: lo, hi: hi).x)
            }
            interval = BootstrapResult.percentileInterval(vertices, level: level).map { $0.map { Foundation.pow(2, $0) } }
            samples = vertices.map { Foundation.pow(2, $0) }
        }
        var local: Double? = nil
        if let k = factors.firstIndex(of: best), k > 0, k < factors.count - 1 {
            let near = runs.filter { $0.factor >= factors[k - 1] && $0.factor <= factors[k + 1] }
            let lx = near.map { Foundation.log2($0.factor) }
            if let q = parabola(lx, near.map(\.loss)) {
                let m = minimum(q, lo: lx.min()!, hi: lx.max()!)
                if m.inside { local = Foundation.pow(2, m.x) }
            }
        }
        return Optimum(axis: axis, size: size, budget: budget, parameters: parameters, defaultValue: defaultValue,
                       factors: factors, meanLosses: means, bestMeasured: best, factor: inside ? Foundation.pow(2, v) : nil,
                       interval: interval, localFactor: local, curvature: p.c, samples: samples)
    }

    /// The power law through the bracketed optima of one axis, by least squares in log–log
    /// (N non-embedding), and its percentile intervals from the same line through each
    /// bootstrap draw of every size's optimum (draw k of each size together). Nil with no
    /// bracketed optimum; with one, the value at that size and exponent 0, no interval.
    public static func rule(_ optima: [Optimum], axis: Axis, level: Double) -> Rule? {
        let used = optima.filter { $0.axis == axis && $0.bracketed }
        guard !used.isEmpty else { return nil }
        let lx = used.map { Foundation.log($0.parameters / 1e5) }
        let fit = line(lx, used.map { Foundation.log($0.value!) })
        let defaultSlope = used.count >= 2 ? line(lx, used.map { Foundation.log($0.defaultValue) }).slope : 0
        var exponentInterval: [Double]? = nil, valueInterval: [Double]? = nil
        let draws = used.map(\.samples.count).min() ?? 0
        if used.count >= 2, draws > 0 {
            let refits = (0..<draws).map { k in line(lx, used.map { Foundation.log($0.defaultValue * $0.samples[k]) }) }
            exponentInterval = BootstrapResult.percentileInterval(refits.map(\.slope), level: level)
            valueInterval = BootstrapResult.percentileInterval(refits.map { Foundation.exp($0.intercept) }, level: level)
        }
        return Rule(axis: axis, sizes: used.count, exponent: fit.slope, valueAt100k: Foundation.exp(fit.intercept),
                    exponentInterval: exponentInterval, valueInterval: valueInterval, defaultExponent: defaultSlope)
    }

    /// The least-squares line `y = intercept + slope·x`; slope 0 through the mean when the x do not vary.
    static func line(_ x: [Double], _ y: [Double]) -> (intercept: Double, slope: Double) {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        guard sxx > 0 else { return (my, 0) }
        let slope = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +) / sxx
        return (my - slope * mx, slope)
    }
}
