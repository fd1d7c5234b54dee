import Foundation

/// Chinchilla's approach 2 (Hoffmann et al. 2022, arXiv:2203.15556, §3.2): at each compute
/// budget, fit a parabola of loss against log N; its minimum is N_opt(C); then fit
/// `log N_opt = log k + a·log C` across budgets.
///
/// Biased when a budget's sizes are not centred on its optimum (SCIENCE.md): a minimum outside
/// the sizes trained is kept but flagged, and left out of the power-law fit.
public struct IsoFLOPAnalysis: Sendable, Codable, Equatable {
    /// One compute budget: its runs and the parabola through them.
    public struct Curve: Sendable, Codable, Equatable {
        public var compute: Double
        /// The runs' N and loss, by increasing N.
        public var parameters: [Double]
        public var losses: [Double]
        /// `loss ≈ c0 + c1·u + c2·u²` with `u = log10 N`.
        public var coefficients: [Double]
        /// `10^(−c1/(2·c2))` when the parabola opens upwards; nil otherwise.
        public var optimalParameters: Double?
        /// The parabola's value at its minimum.
        public var minimumLoss: Double?
        /// Whether the minimum lies within the sizes trained.
        public var minimumInsideRange: Bool

        /// The parabola at N.
        public func loss(at N: Double) -> Double {
            let u = log10(N)
            return coefficients[0] + coefficients[1] * u + coefficients[2] * u * u
        }
    }

    public var curves: [Curve]
    /// `N_opt = k·C^a` over the budgets whose minimum is inside their sizes; nil with fewer than 2.
    public var exponent: Double?
    public var coefficient: Double?

    /// N_opt at C from the fitted power law.
    public func optimalParameters(compute C: Double) -> Double? {
        guard let a = exponent, let k = coefficient else { return nil }
        return k * pow(C, a)
    }

    /// Groups runs whose compute agrees within `tolerance` (relative) and fits every group with
    /// at least `minimumRuns` distinct sizes. `runs` are (N, C, loss); non-positive values are skipped.
    public init(runs: [(parameters: Double, compute: Double, loss: Double)], tolerance: Double = 0.01, minimumRuns: Int = 4) {
        let usable = runs.filter { $0.parameters > 0 && $0.compute > 0 && $0.loss > 0 && $0.parameters.isFinite && $0.compute.isFinite }
            .sorted { ($0.compute, $0.parameters) < ($1.compute, $1.parameters) }
        var groups: [[(parameters: Double, compute: Double, loss: Double)]] = []
        for r in usable {
            if let first = groups.last?.first, abs(log(r.compute / first.compute)) <= tolerance {
                groups[groups.count - 1].append(r)
            } else {
                groups.append([r])
            }
        }
        curves = groups.filter { Set($0.map(\.parameters)).count >= minimumRuns }.compactMap { g in
            let C = exp(g.map { log($0.compute) }.reduce(0, +) / Double(g.count))
            return Self.curve(compute: C, parameters: g.map(\.parameters), losses: g.map(\.loss))
        }
        let inside = curves.filter(\.minimumInsideRange).compactMap { c in c.optimalParameters.map { (c.compute, $0) } }
        if inside.count >= 2, let (slope, intercept) = Self.line(inside.map { log10($0.0) }, inside.map { log10($0.1) }) {
            exponent = slope
            coefficient = pow(10, intercept)
        }
    }

    static func curve(compute: Double, parameters: [Double], losses: [Double]) -> Curve? {
        let u = parameters.map(log10)
        guard let c = quadratic(u, losses) else { return nil }
        var curve = Curve(compute: compute, parameters: parameters, losses: losses, coefficients: c,
                          optimalParameters: nil, minimumLoss: nil, minimumInsideRange: false)
        if c[2] > 0 {
            let uStar = -c[1] / (2 * c[2])
            curve.optimalParameters = pow(10, uStar)
            curve.minimumLoss = c[0] + c[1] * uStar + c[2] * uStar * uStar
            curve.minimumInsideRange = uStar >= u.min()! && uStar <= u.max()!
        }
        return curve
    }

    /// Least-squares `y ≈ c0 + c1·x + c2·x²`, solved in x centred on its mean (for conditioning)
    /// by Gaussian elimination with partial pivoting; nil when singular.
    static func quadratic(_ x: [Double], _ y: [Double]) -> [Double]? {
        let m = x.reduce(0, +) / Double(x.count)
        var a = [[Double]](repeating: [0, 0, 0, 0], count: 3)
        for (xi, yi) in zip(x, y) {
            let t = xi - m
            let powers = [1, t, t * t]
            for r in 0..<3 {
                for c in 0..<3 { a[r][c] += powers[r] * powers[c] }
                a[r][3] += powers[r] * yi
            }
        }
        for col in 0..<3 {
            let pivot = (col..<3).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            guard abs(a[pivot][col]) > 1e-12 else { return nil }
            a.swapAt(col, pivot)
            for r in 0..<3 where r != col {
                let f = a[r][col] / a[col][col]
                for c in col..<4 { a[r][c] -= f * a[col][c] }
            }
        }
        let (d0, d1, d2) = (a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2])
        // Back from t = x − m: d0 + d1(x−m) + d2(x−m)².
        return [d0 - d1 * m + d2 * m * m, d1 - 2 * d2 * m, d2]
    }

    /// Least-squares line `y ≈ slope·x + intercept`; nil when x is constant.
    static func line(_ x: [Double], _ y: [Double]) -> (Double, Double)? {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        return (sxy / sxx, my - sxy / sxx * mx)
    }
}
