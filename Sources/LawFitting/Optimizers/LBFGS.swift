/// Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright 2006, Algorithms 7.4,
/// 3.5 and 3.6). Unconstrained: callers reparameterize (e.g. fit log A instead of A).
///
/// The objective writes its gradient into the buffer it is given and returns its value.
/// A non-finite value at a trial point shrinks the step instead of failing.
public struct LBFGS: Sendable {
    /// Correction pairs kept. 10 is scipy's default and plenty for a handful of parameters.
    public var memory = 10
    public var maxIterations = 1_000
    /// Stop when `max_j |g_j| ≤ gradientTolerance`. scipy's `pgtol` default is 1e-5.
    public var gradientTolerance = 1e-8
    /// Stop when `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|) ≤ functionTolerance`.
    /// scipy's default `ftol` is 2.2e-9 (≈ 1e7·ε) but relative to `max(|f|, 1)`: with a summed
    /// Huber objective of order 1e-3 that stops long before the optimum (and a bootstrap refit that
    /// starts at the full-data optimum would not move at all). We measure the decrease relative to
    /// the objective itself.
    public var functionTolerance = 2.220446049250313e-09
    /// Stop when the accepted step's largest component is at most this relative to the
    /// parameters (`max_j |Δx_j| ≤ stepTolerance·max(max_j |x_j|, 1)`).
    public var stepTolerance = 1e-15
    /// Armijo (sufficient decrease) and curvature constants of the strong Wolfe conditions.
    public var c1 = 1e-4
    public var c2 = 0.9

    public init() {}

    public typealias Objective = (_ x: [Double], _ gradient: inout [Double]) -> Double

    public func minimize(from start: [Double], _ f: Objective) -> OptimizerResult {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var evaluations = 1
        var fx = f(x, &g)
        guard fx.isFinite, g.allSatisfy(\.isFinite) else {
            return OptimizerResult(x: x, value: fx, iterations: 0, evaluations: evaluations, status: .nonFiniteStart)
        }
        var history = CurvatureHistory(memory: memory, dimension: n)
        var direction = [Double](repeating: 0, count: n)
        var xNew = x, gNew = g
        var sk = [Double](repeating: 0, count: n), yk = sk

        for iteration in 0..<maxIterations {
            if maxAbs(g) <= gradientTolerance {
                return OptimizerResult(x: x, value: fx, iterations: iteration, evaluations: evaluations, status: .convergedGradient)
            }
            history.direction(g, into: &direction)
            var slope = dot(direction, g)
            if !(slope < 0) {                      // not a descent direction: restart from steepest descent
                history.clear()
                for j in 0..<n { direction[j] = -g[j] }
                slope = dot(direction, g)
            }
            // First iteration: a step of unit length in x; afterwards the quasi-Newton step of 1.
            let initialStep = history.isEmpty ? min(1, 1 / max(norm(direction), 1e-300)) : 1
            let search = lineSearch(f, x: x, fx: fx, slope: slope, direction: direction,
                                    initialStep: initialStep, xNew: &xNew, gNew: &gNew)
            evaluations += search.evaluations
            guard let fNew = search.value else {
                return OptimizerResult(x: x, value: fx, iterations: iteration, evaluations: evaluations, status: .noDecrease)
            }
            // Curvature pair.
            for j in 0..<n { sk[j] = xNew[j] - x[j]; yk[j] = gNew[j] - g[j] }
            let sy = dot(sk, yk)
            if sy > 1e-12 * norm(sk) * norm(yk) { history.append(sk, yk, sy) }
            let decrease = fx - fNew
            swap(&x, &xNew); swap(&g, &gNew)
            let previous = fx
            fx = fNew
            if decrease <= functionTolerance * max(abs(previous), abs(fNew)) {
                return OptimizerResult(x: x, value: fx, iterations: iteration + 1, evaluations: evaluations, status: .convergedObjective)
            }
            if maxAbs(sk) <= stepTolerance * max(maxAbs(x), 1) {
                return OptimizerResult(x: x, value: fx, iterations: iteration + 1, evaluations: evaluations, status: .convergedStep)
            }
        }
        let status: OptimizerStatus = maxAbs(g) <= gradientTolerance ? .convergedGradient : .maxIterations
        return OptimizerResult(x: x, value: fx, iterations: maxIterations, evaluations: evaluations, status: status)
    }

    /// Strong-Wolfe line search: bracket, then zoom with safeguarded cubic interpolation.
    /// Returns the accepted value with `xNew`, `gNew` filled, or nil when no acceptable step exists.
    private func lineSearch(_ f: Objective, x: [Double], fx: Double, slope: Double, direction: [Double],
                            initialStep: Double, xNew: inout [Double], gNew: inout [Double])
        -> (value: Double?, evaluations: Int) {
        var evaluations = 0
        func phi(_ t: Double) -> (Double, Double) {
            for j in x.indices { xNew[j] = x[j] + t * direction[j] }
            evaluations += 1
            let v = f(xNew, &gNew)
            return (v, v.isFinite ? dot(gNew, direction) : .nan)
        }
        var tPrev = 0.0, fPrev = fx, dPrev = slope
        var t = initialStep
        var best: (t: Double, f: Double)? = nil
        for i in 0..<30 {
            var (ft, dt) = phi(t)
            var shrinks = 0
            while !(ft.isFinite && dt.isFinite) && shrinks < 40 {   // non-finite: shrink toward tPrev
                t = tPrev + 0.1 * (t - tPrev); shrinks += 1
                (ft, dt) = phi(t)
            }
            guard ft.isFinite, dt.isFinite else { break }
            if ft > fx + c1 * t * slope || (i > 0 && ft >= fPrev) {
                return (zoom(phi, fx: fx, slope: slope, lo: (tPrev, fPrev, dPrev), hi: (t, ft, dt)), evaluations)
            }
            if abs(dt) <= -c2 * slope { return (ft, evaluations) }
            if best == nil || ft < best!.f { best = (t, ft) }
            if dt >= 0 {
                return (zoom(phi, fx: fx, slope: slope, lo: (t, ft, dt), hi: (tPrev, fPrev, dPrev)), evaluations)
            }
            tPrev = t; fPrev = ft; dPrev = dt
            t *= 2.5
        }
        // Fall back to the best sufficient-decrease point seen, if any.
        if let b = best, b.f < fx {
            let (v, _) = phi(b.t)
            return (v, evaluations)
        }
        return (nil, evaluations)
    }

    private func zoom(_ phi: (Double) -> (Double, Double), fx: Double, slope: Double,
                      lo start: (Double, Double, Double), hi end: (Double, Double, Double)) -> Double? {
        var lo = start, hi = end
        for _ in 0..<40 {
            let t = cubicMinimizer(lo, hi)
            let (ft, dt) = phi(t)
            if !ft.isFinite || ft > fx + c1 * t * slope || ft >= lo.1 {
                hi = (t, ft.isFinite ? ft : .infinity, dt.isFinite ? dt : 0)
            } else {
                if abs(dt) <= -c2 * slope { return ft }
                if dt * (hi.0 - lo.0) >= 0 { hi = lo }
                lo = (t, ft, dt)
            }
            if abs(hi.0 - lo.0) <= 1e-16 * max(abs(lo.0), 1) { break }
        }
        // Accept the low end if it decreased the objective at all.
        if lo.0 != 0, lo.1 < fx {
            return phi(lo.0).0
        }
        return nil
    }

    /// The minimizer of the cubic through two points with slopes, kept inside the middle 80% of the interval.
    private func cubicMinimizer(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        let (t0, f0, d0) = a, (t1, f1, d1) = b
        let lower = min(t0, t1), upper = max(t0, t1), width = upper - lower
        var t = (t0 + t1) / 2
        if f1.isFinite {
            let d1c = d0 + d1 - 3 * (f0 - f1) / (t0 - t1)
            let disc = d1c * d1c - d0 * d1
            if disc >= 0 {
                let d2 = (t1 > t0 ? 1.0 : -1.0) * disc.squareRoot()
                let candidate = t1 - (t1 - t0) * (d1 + d2 - d1c) / (d1 - d0 + 2 * d2)
                if candidate.isFinite { t = candidate }
            }
        }
        return min(max(t, lower + 0.1 * width), upper - 0.1 * width)
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

@inline(__always) func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

@inline(__always) func maxAbs(_ a: [Double]) -> Double {
    var m = 0.0
    for v in a { m = max(m, abs(v)) }
    return m
}

/// The last `memory` curvature pairs (s, y) in flat ring buffers, and the two-loop recursion.
struct CurvatureHistory {
    let memory: Int
    let n: Int
    private var s: [Double]
    private var y: [Double]
    private var rho: [Double]
    private var alpha: [Double]
    private var head = 0            // slot of the oldest pair
    private(set) var count = 0

    init(memory: Int, dimension n: Int) {
        self.memory = memory
        self.n = n
        s = [Double](repeating: 0, count: memory * n)
        y = s
        rho = [Double](repeating: 0, count: memory)
        alpha = rho
    }

    var isEmpty: Bool { count == 0 }

    mutating func clear() { head = 0; count = 0 }

    /// Adds a pair with `sᵀy = sy > 0`, dropping the oldest when full.
    mutating func append(_ sk: [Double], _ yk: [Double], _ sy: Double) {
        let slot = (head + count) % memory
        for j in 0..<n { s[slot * n + j] = sk[j]; y[slot * n + j] = yk[j] }
        rho[slot] = 1 / sy
        if count < memory { count += 1 } else { head = (head + 1) % memory }
    }

    /// `q = −H·g` by the two-loop recursion (Nocedal & Wright Alg. 7.4) with the usual
    /// `γ = sᵀy/yᵀy` initial scaling.
    mutating func direction(_ g: [Double], into q: inout [Double]) {
        for j in 0..<n { q[j] = g[j] }
        if count > 0 {
            for k in stride(from: count - 1, through: 0, by: -1) {
                let slot = (head + k) % memory, o = slot * n
                var a = 0.0
                for j in 0..<n { a += s[o + j] * q[j] }
                a *= rho[slot]
                alpha[slot] = a
                for j in 0..<n { q[j] -= a * y[o + j] }
            }
            let last = (head + count - 1) % memory, o = last * n
            var sy = 0.0, yy = 0.0
            for j in 0..<n { sy += s[o + j] * y[o + j]; yy += y[o + j] * y[o + j] }
            let gamma = sy / yy
            for j in 0..<n { q[j] *= gamma }
            for k in 0..<count {
                let slot = (head + k) % memory, o = slot * n
                var b = 0.0
                for j in 0..<n { b += y[o + j] * q[j] }
                b *= rho[slot]
                for j in 0..<n { q[j] += s[o + j] * (alpha[slot] - b) }
            }
        }
        for j in 0..<n { q[j] = -q[j] }
    }
}
