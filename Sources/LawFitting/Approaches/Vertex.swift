import RealModule

/// How approach 2 finds the minimum of one IsoFLOP budget's loss against log10 N.
///
/// All three place the minimum from the same runs; they differ in how much the far ends of the
/// ladder pull on it. A parabola over every size is what Hoffmann et al. fitted, but real loss
/// curves are not parabolas in log N (they rise more steeply on the small side), so an off-centre
/// ladder moves its vertex; a window or a spline lets the runs near the minimum decide.
public enum VertexMethod: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A least-squares parabola over every size of the budget (Hoffmann et al. 2022).
    case parabola
    /// A least-squares parabola over the given number of distinct sizes around the run with the
    /// least loss (the window is shifted inwards at the ends of the ladder; with fewer sizes than
    /// that it is the whole budget).
    case window(Int)
    /// A cubic smoothing spline in log10 N, its penalty chosen by generalized cross-validation,
    /// minimized exactly on its pieces (`SmoothingSpline`).
    case spline

    /// The window's size when none is given: 5 of a ladder's 7–9 sizes.
    public static let defaultWindow = 5

    /// The method the analyses use when none is asked for, chosen by the simulation study in
    /// docs/science.md (§Chinchilla approaches).
    public static let `default` = VertexMethod.parabola

    /// `parabola`, `window(5)`, `spline`.
    public var description: String {
        switch self {
        case .parabola: "parabola"
        case let .window(k): "window(\(k))"
        case .spline: "spline"
        }
    }

    /// The method named `parabola`, `window` or `spline` (the window of `window` sizes); nil for
    /// any other name.
    public static func named(_ name: String, window: Int = VertexMethod.defaultWindow) -> VertexMethod? {
        switch name.lowercased() {
        case "parabola": .parabola
        case "window": .window(window)
        case "spline": .spline
        default: nil
        }
    }
}

/// A natural cubic smoothing spline `g` of y against x: the minimizer of
/// `Σ wᵢ (yᵢ − g(xᵢ))² + λ ∫ g''(x)² dx` (Reinsch 1967; Green & Silverman 1994, §2.3), with λ
/// chosen by generalized cross-validation.
///
/// Repeated x are merged into one knot (their mean y, their count as the weight). The solution is
/// a cubic between knots with g'' = 0 at both ends; its values `g` and second derivatives `gamma`
/// at the knots define it. Dense linear algebra: meant for the few dozen points of an IsoFLOP budget.
public struct SmoothingSpline: Sendable, Equatable {
    /// The distinct x, increasing.
    public var knots: [Double]
    /// g at the knots.
    public var values: [Double]
    /// g'' at the knots (0 at both ends).
    public var secondDerivatives: [Double]
    /// The penalty λ used.
    public var penalty: Double
    /// The effective degrees of freedom, the trace of the smoother matrix: 2 is a straight line,
    /// the number of knots interpolates.
    public var degreesOfFreedom: Double

    /// The smoothing spline with penalty `penalty`, or, when nil, the penalty minimizing the
    /// generalized cross-validation score `n·RSS_w / (n − df)²` over a log-spaced grid among
    /// those leaving at least `minimumDegreesOfFreedom` effective degrees of freedom (3 by
    /// default: at least a parabola's flexibility, since an ever stiffer spline tends to a
    /// straight line, which has no minimum to find). Nil with fewer than 3 distinct x or a
    /// non-finite value.
    public init?(x: [Double], y: [Double], penalty: Double? = nil, minimumDegreesOfFreedom: Double = 3) {
        precondition(x.count == y.count, "SmoothingSpline: \(x.count) x values but \(y.count) y values")
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return nil }
        var merged: [(x: Double, sum: Double, w: Double)] = []
        for (xi, yi) in zip(x, y).sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, last.x == xi {
                merged[merged.count - 1].sum += yi
                merged[merged.count - 1].w += 1
            } else {
                merged.append((xi, yi, 1))
            }
        }
        guard merged.count >= 3 else { return nil }
        let knots = merged.map(\.x), w = merged.map(\.w), ybar = merged.map { $0.sum / $0.w }
        // The x scale enters λ as (Δx)³; scale the grid by the span so it suits any data.
        let span = knots.last! - knots.first!
        if let penalty {
            guard let s = Self.solve(knots, ybar, w, penalty: penalty) else { return nil }
            self.init(knots: knots, values: s.g, secondDerivatives: s.gamma, penalty: penalty, degreesOfFreedom: s.df)
            return
        }
        var best: (score: Double, lambda: Double, g: [Double], gamma: [Double], df: Double)? = nil
        let n = w.reduce(0, +)
        for k in stride(from: -9.0, through: 3.0, by: 0.25) {
            let lambda = Double.pow(10, k) * span * span * span
            guard let s = Self.solve(knots, ybar, w, penalty: lambda), s.df >= minimumDegreesOfFreedom - 1e-9 else { continue }
            // Residuals of every point from its knot's value: the weighted merged RSS plus the
            // within-knot scatter, which does not depend on λ and is left out of the comparison.
            var rss = 0.0
            for i in knots.indices { rss += w[i] * (ybar[i] - s.g[i]) * (ybar[i] - s.g[i]) }
            let denominator = n - s.df
            guard denominator > 1e-9 else { continue }
            let score = n * rss / (denominator * denominator)
            if best == nil || score < best!.score { best = (score, lambda, s.g, s.gamma, s.df) }
        }
        guard let best else { return nil }
        self.init(knots: knots, values: best.g, secondDerivatives: best.gamma, penalty: best.lambda, degreesOfFreedom: best.df)
    }

    init(knots: [Double], values: [Double], secondDerivatives: [Double], penalty: Double, degreesOfFreedom: Double) {
        self.knots = knots
        self.values = values
        self.secondDerivatives = secondDerivatives
        self.penalty = penalty
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// Reinsch's equations: `(R + λ QᵀW⁻¹Q) γ = Qᵀy`, `g = y − λ W⁻¹Q γ`; the degrees of freedom
    /// are the trace of the smoother `S = I − λ W⁻¹Q (R + λ QᵀW⁻¹Q)⁻¹ Qᵀ`.
    static func solve(_ x: [Double], _ y: [Double], _ w: [Double], penalty lambda: Double)
        -> (g: [Double], gamma: [Double], df: Double)? {
        let n = x.count, m = n - 2
        let h = (0..<(n - 1)).map { x[$0 + 1] - x[$0] }
        // Q: n × m, column j (interior knot j+1) has 1/h_j, −1/h_j − 1/h_{j+1}, 1/h_{j+1} in rows j, j+1, j+2.
        var Q = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        var R = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for j in 0..<m {
            Q[j][j] = 1 / h[j]
            Q[j + 1][j] = -1 / h[j] - 1 / h[j + 1]
            Q[j + 2][j] = 1 / h[j + 1]
            R[j][j] = (h[j] + h[j + 1]) / 3
            if j + 1 < m {
                R[j][j + 1] = h[j + 1] / 6
                R[j + 1][j] = h[j + 1] / 6
            }
        }
        var M = R
        for r in 0..<m {
            for c in 0..<m {
                var s = 0.0
                for i in 0..<n { s += Q[i][r] * Q[i][c] / w[i] }
                M[r][c] += lambda * s
            }
        }
        // Qᵀy and, for the trace, Qᵀ itself as m right-hand sides at once.
        var rhs = (0..<m).map { r in [(0..<n).map { Q[$0][r] * y[$0] }.reduce(0, +)] + (0..<n).map { Q[$0][r] } }
        guard solveInPlace(&M, &rhs) else { return nil }
        var gammaInner = [Double](repeating: 0, count: m)
        for r in 0..<m { gammaInner[r] = rhs[r][0] }
        var g = y
        var trace = Double(n)
        for i in 0..<n {
            var s = 0.0, diag = 0.0
            for r in 0..<m {
                s += Q[i][r] * gammaInner[r]
                diag += Q[i][r] * rhs[r][1 + i]
            }
            g[i] -= lambda * s / w[i]
            trace -= lambda * diag / w[i]
        }
        return (g, [0] + gammaInner + [0], trace)
    }

    /// The spline at x (the end pieces' straight lines outside the knots).
    public func value(at x: Double) -> Double {
        let n = knots.count
        if x <= knots[0] { return values[0] + slope(piece: 0, t: 0) * (x - knots[0]) }
        if x >= knots[n - 1] { return values[n - 1] + slope(piece: n - 2, t: knots[n - 1] - knots[n - 2]) * (x - knots[n - 1]) }
        let i = min(n - 2, (knots.lastIndex { $0 <= x } ?? 0))
        let c = cubic(piece: i), t = x - knots[i]
        return c[0] + t * (c[1] + t * (c[2] + t * c[3]))
    }

    /// The least value of the spline on `[knots.first, knots.last]` and where it is, found exactly:
    /// on each piece the cubic's derivative is a quadratic whose roots are solved in closed form,
    /// and the knots themselves are candidates.
    public var minimum: (x: Double, value: Double) {
        var best = (x: knots[0], value: values[0])
        for i in 0..<(knots.count - 1) {
            let c = cubic(piece: i), h = knots[i + 1] - knots[i]
            var candidates = [h]
            // c1 + 2 c2 t + 3 c3 t² = 0.
            let (qa, qb, qc) = (3 * c[3], 2 * c[2], c[1])
            if abs(qa) < 1e-14 * max(abs(qb), abs(qc), 1e-300) {
                if qb != 0 { candidates.append(-qc / qb) }
            } else {
                let disc = qb * qb - 4 * qa * qc
                if disc >= 0 {
                    // The stable pair of roots: q = −(b + sign(b)√disc)/2, t = q/a and c/q.
                    let q = -0.5 * (qb + (qb >= 0 ? 1 : -1) * disc.squareRoot())
                    candidates.append(q / qa)
                    if q != 0 { candidates.append(qc / q) }
                }
            }
            for t in candidates where t >= 0 && t <= h {
                let v = c[0] + t * (c[1] + t * (c[2] + t * c[3]))
                if v < best.value { best = (knots[i] + t, v) }
            }
        }
        return best
    }

    /// `[c0, c1, c2, c3]` of piece i in t = x − knots[i].
    func cubic(piece i: Int) -> [Double] {
        let h = knots[i + 1] - knots[i], g0 = secondDerivatives[i], g1 = secondDerivatives[i + 1]
        return [values[i], (values[i + 1] - values[i]) / h - h * (2 * g0 + g1) / 6, g0 / 2, (g1 - g0) / (6 * h)]
    }

    func slope(piece i: Int, t: Double) -> Double {
        let c = cubic(piece: i)
        return c[1] + 2 * c[2] * t + 3 * c[3] * t * t
    }
}

/// Solves `A X = B` in place by Gaussian elimination with partial pivoting (B's rows hold any
/// number of right-hand sides; on return they hold the solutions); false when A is singular.
func solveInPlace(_ A: inout [[Double]], _ B: inout [[Double]]) -> Bool {
    let n = A.count
    let scale = A.map { $0.map(abs).max() ?? 0 }.max() ?? 0
    guard scale > 0 else { return n == 0 }
    for col in 0..<n {
        let pivot = (col..<n).max { abs(A[$0][col]) < abs(A[$1][col]) }!
        guard abs(A[pivot][col]) > 1e-13 * scale else { return false }
        A.swapAt(col, pivot)
        B.swapAt(col, pivot)
        for r in 0..<n where r != col {
            let f = A[r][col] / A[col][col]
            guard f != 0 else { continue }
            for c in col..<n { A[r][c] -= f * A[col][c] }
            for c in B[r].indices { B[r][c] -= f * B[col][c] }
        }
    }
    for r in 0..<n {
        let d = A[r][r]
        for c in B[r].indices { B[r][c] /= d }
    }
    return true
}
