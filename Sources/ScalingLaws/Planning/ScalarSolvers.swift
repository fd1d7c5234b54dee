/// Bounded one-dimensional minimization and root finding: the two tools every planner uses.
///
/// Both are Brent's methods (Brent 1973, "Algorithms for Minimization without Derivatives",
/// chapters 4 and 5): safeguarded inverse interpolation that never leaves its bracket and falls
/// back to golden-section or bisection steps, so they converge on continuous functions with
/// kinks (where they are merely linear) and superlinearly on smooth ones.
public enum ScalarSolvers {
    /// The minimum of `f` on `[lower, upper]`, robust to several local minima and kinks.
    ///
    /// Scans `scanPoints` equally spaced points (plus the `breakpoints` inside the interval,
    /// where `f` may have kinks), then runs Brent's minimizer in the bracket around each of
    /// the best few scan points and keeps the best result.
    public static func minimize(_ f: (Double) -> Double, in lower: Double, _ upper: Double,
                                breakpoints: [Double] = [], scanPoints: Int = 128,
                                relativeTolerance: Double = 1e-10) -> (x: Double, value: Double) {
        precondition(lower < upper && scanPoints >= 3, "need lower < upper and ≥ 3 scan points, got [\(lower), \(upper)], \(scanPoints)")
        var xs = (0..<scanPoints).map { lower + (upper - lower) * Double($0) / Double(scanPoints - 1) }
        xs += breakpoints.filter { $0 > lower && $0 < upper }
        xs.sort()
        let fs = xs.map { v -> Double in let y = f(v); return y.isNaN ? .infinity : y }
        // Local minima of the scan, best first; Brent in each of the best three brackets.
        let candidates = xs.indices.filter { i in
            (i == 0 || fs[i] <= fs[i - 1]) && (i == xs.count - 1 || fs[i] <= fs[i + 1])
        }.sorted { fs[$0] < fs[$1] }.prefix(3)
        var best = (x: xs[candidates.first!], value: fs[candidates.first!])
        for i in candidates {
            let a = xs[max(i - 1, 0)], b = xs[min(i + 1, xs.count - 1)]
            guard a < b else { continue }
            let r = brentMinimize(f, in: a, b, relativeTolerance: relativeTolerance)
            if r.value < best.value { best = r }
        }
        return best
    }

    /// Brent's bounded minimizer on `[a, b]` (golden section with parabolic steps).
    ///
    /// Stops when the bracket around the best point is below `relativeTolerance·|x| + 1e-14`
    /// on both sides, or after 300 evaluations. Returns the best point seen.
    public static func brentMinimize(_ f: (Double) -> Double, in lo: Double, _ hi: Double,
                                     relativeTolerance: Double = 1e-10) -> (x: Double, value: Double) {
        let golden = 0.381_966_011_250_105_1      // (3 − √5)/2
        func eval(_ t: Double) -> Double { let y = f(t); return y.isNaN ? .infinity : y }
        var (a, b) = (lo, hi)
        var x = a + golden * (b - a)
        var (w, v) = (x, x)
        var fx = eval(x)
        var (fw, fv) = (fx, fx)
        var d = 0.0, e = 0.0
        for _ in 0..<300 {
            let xm = 0.5 * (a + b)
            let tol1 = relativeTolerance * abs(x) + 1e-14
            let tol2 = 2 * tol1
            if abs(x - xm) <= tol2 - 0.5 * (b - a) { break }
            var useGolden = true
            if abs(e) > tol1 {
                // Parabola through (v, fv), (w, fw), (x, fx).
                let r = (x - w) * (fx - fv)
                var q = (x - v) * (fx - fw)
                var p = (x - v) * q - (x - w) * r
                q = 2 * (q - r)
                if q > 0 { p = -p }
                q = abs(q)
                let eOld = e
                e = d
                if abs(p) < abs(0.5 * q * eOld) && p > q * (a - x) && p < q * (b - x) {
                    d = p / q
                    let u = x + d
                    if u - a < tol2 || b - u < tol2 { d = xm >= x ? tol1 : -tol1 }
                    useGolden = false
                }
            }
            if useGolden {
                e = x >= xm ? a - x : b - x
                d = golden * e
            }
            let u = abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1)
            let fu = eval(u)
            if fu <= fx {
                if u >= x { a = x } else { b = x }
                (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu)
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    (v, fv, w, fw) = (w, fw, u, fu)
                } else if fu <= fv || v == x || v == w {
                    (v, fv) = (u, fu)
                }
            }
        }
        return (x, fx)
    }

    /// A root of `f` in `[a, b]`, where `f(a)` and `f(b)` have opposite signs (or one is 0).
    ///
    /// Brent's method (inverse quadratic interpolation, secant, bisection); stops when the
    /// bracket is below `2·ε·|x| + absoluteTolerance/2`. Nil when the ends do not bracket a root.
    public static func findRoot(_ f: (Double) -> Double, in lo: Double, _ hi: Double,
                                absoluteTolerance: Double = 0) -> Double? {
        var (a, b) = (lo, hi)
        var (fa, fb) = (f(a), f(b))
        guard fa.isFinite, fb.isFinite else { return nil }
        if fa == 0 { return a }
        if fb == 0 { return b }
        guard (fa > 0) != (fb > 0) else { return nil }
        var (c, fc) = (a, fa)
        var d = b - a, e = d
        for _ in 0..<300 {
            if (fb > 0) == (fc > 0) { (c, fc) = (a, fa); d = b - a; e = d }
            if abs(fc) < abs(fb) { (a, b, c, fa, fb, fc) = (b, c, b, fb, fc, fb) }
            let tol1 = 2 * Double.ulpOfOne * abs(b) + 0.5 * absoluteTolerance
            let xm = 0.5 * (c - b)
            if abs(xm) <= tol1 || fb == 0 { return b }
            if abs(e) >= tol1 && abs(fa) > abs(fb) {
                let s = fb / fa
                var p: Double, q: Double
                if a == c {
                    p = 2 * xm * s                      // secant
                    q = 1 - s
                } else {
                    let qa = fa / fc, r = fb / fc       // inverse quadratic interpolation
                    p = s * (2 * xm * qa * (qa - r) - (b - a) * (r - 1))
                    q = (qa - 1) * (r - 1) * (s - 1)
                }
                if p > 0 { q = -q }
                p = abs(p)
                if 2 * p < min(3 * xm * q - abs(tol1 * q), abs(e * q)) {
                    e = d
                    d = p / q
                } else {
                    d = xm; e = d
                }
            } else {
                d = xm; e = d
            }
            (a, fa) = (b, fb)
            b += abs(d) > tol1 ? d : (xm >= 0 ? tol1 : -tol1)
            fb = f(b)
        }
        return b
    }
}
