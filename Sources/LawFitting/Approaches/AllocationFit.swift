import RealModule

/// One point of a compute-optimal allocation: at compute C, the best model size and its tokens.
public struct AllocationPoint: Sendable, Codable, Equatable {
    /// C: training FLOPs.
    public var compute: Double
    /// N_opt(C).
    public var parameters: Double
    /// D_opt(C); nil when the runs did not record tokens.
    public var tokens: Double?

    public init(compute: Double, parameters: Double, tokens: Double? = nil) {
        self.compute = compute
        self.parameters = parameters
        self.tokens = tokens
    }
}

/// A compute-optimal allocation fitted as power laws, `N_opt = k_N·C^a` and `D_opt = k_D·C^b`,
/// by least squares of log N_opt and log D_opt on log C (Hoffmann et al. 2022, arXiv:2203.15556,
/// §3.1–3.2). Under C = 6ND exactly, a + b = 1.
public struct AllocationFit: Sendable, Codable, Equatable {
    /// The exponent of N_opt ∝ C^a.
    public var a: Double
    /// The exponent of D_opt ∝ C^b; nil when some point has no D_opt.
    public var b: Double?
    public var nCoefficient: Double
    public var dCoefficient: Double?
    /// Bootstrap percentile intervals `[low, high]` of a and b (nil without a bootstrap).
    public var aInterval: [Double]?
    public var bInterval: [Double]?
    /// The points the power laws were fitted to, by increasing C.
    public var points: [AllocationPoint]

    /// N_opt at C from the power law.
    public func optimalParameters(compute C: Double) -> Double { nCoefficient * Double.pow(C, a) }

    /// D_opt at C from the power law, when it was fitted.
    public func optimalTokens(compute C: Double) -> Double? {
        guard let b, let k = dCoefficient else { return nil }
        return k * Double.pow(C, b)
    }

    /// Fits both power laws; nil with fewer than two distinct C or two distinct N_opt
    /// (no slope to speak of). `b` is fitted only when every point has D_opt.
    public init?(points: [AllocationPoint]) {
        let x = points.map { Double.log10($0.compute) }
        guard Set(x).count >= 2, Set(points.map(\.parameters)).count >= 2,
              let (a, logK) = leastSquaresLine(x, points.map { Double.log10($0.parameters) }) else { return nil }
        self.a = a
        nCoefficient = Double.pow(10, logK)
        let tokens = points.compactMap(\.tokens)
        if tokens.count == points.count, let (b, logKD) = leastSquaresLine(x, tokens.map { Double.log10($0) }) {
            self.b = b
            dCoefficient = Double.pow(10, logKD)
        }
        self.points = points
    }
}

/// Least-squares line `y ≈ slope·x + intercept`; nil when x is constant.
func leastSquaresLine(_ x: [Double], _ y: [Double]) -> (slope: Double, intercept: Double)? {
    precondition(x.count == y.count, "leastSquaresLine: \(x.count) x values but \(y.count) y values")
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
    guard sxx > 0 else { return nil }
    let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
    return (sxy / sxx, my - sxy / sxx * mx)
}

/// Least-squares `y ≈ c0 + c1·x + c2·x²`, solved in x centred on its mean (for conditioning) by
/// Gaussian elimination with partial pivoting; nil when singular (fewer than 3 distinct x).
func leastSquaresQuadratic(_ x: [Double], _ y: [Double]) -> [Double]? {
    precondition(x.count == y.count, "leastSquaresQuadratic: \(x.count) x values but \(y.count) y values")
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

/// The central `level` percentile interval `[low, high]` of values (type-7 quantiles, as
/// `BootstrapResult.intervals`); nil with fewer than 10 values, too few for the tails.
func percentileInterval(_ values: [Double], level: Double) -> [Double]? {
    guard values.lazy.filter(\.isFinite).count >= 10 else { return nil }
    return BootstrapResult.percentileInterval(values, level: level)
}
