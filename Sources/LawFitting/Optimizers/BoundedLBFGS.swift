/// L-BFGS in a box `lower ≤ x ≤ upper` (bounds may be infinite): an active-set, projected method.
///
/// At each iteration a coordinate on a bound whose gradient points out of the box is held there
/// (it is *binding*); the quasi-Newton direction is built from the gradient with those components
/// zeroed, and the step is cut where the first free coordinate reaches its bound, which then lands
/// on it exactly. A direction that fails, or a step that no longer decreases the objective, is
/// retried from steepest descent with the curvature pairs dropped. A backtracking
/// line search with the Armijo condition and safeguarded quadratic interpolation finds each step.
/// It converges when the projected gradient (the gradient without its binding components) is at
/// most `gradientTolerance` in every component: the first-order (KKT) conditions of the box.
///
/// `LBFGS` stays the unconstrained optimizer of the log-space fits; this one serves fits whose
/// published recipe states bounds on natural parameters (the task-metric laws, the OLMo ladder's
/// step 1, which scipy's L-BFGS-B runs with a zero lower bound on every parameter).
public struct BoundedLBFGS: Sendable {
    /// Correction pairs kept.
    public var memory = 10
    /// The iteration limit.
    public var maxIterations = 20_000
    /// Stop when the projected gradient's largest component is at most this.
    public var gradientTolerance = 1e-10
    /// Stop when an accepted step decreases the objective by at most this relative to it.
    /// 0 (the default) stops only when a step can no longer decrease it at all.
    public var functionTolerance = 0.0
    /// Armijo's sufficient-decrease constant.
    public var c1 = 1e-4

    /// The optimizer with the defaults above.
    public init() {}

    /// Minimizes `f` from `start` (moved into the box first) within `lower…upper`.
    ///
    /// - Parameters:
    ///   - start: the start point.
    ///   - lower: the lower bound of each coordinate (`-infinity` for none).
    ///   - upper: the upper bound of each coordinate (`infinity` for none).
    ///   - f: the objective; it writes its gradient into the buffer and returns its value.
    /// - Returns: the last point, its value and how the search stopped.
    public func minimize(from start: [Double], lower: [Double], upper: [Double],
                         _ f: LBFGS.Objective) -> OptimizerResult {
        let n = start.count
        precondition(lower.count == n && upper.count == n, "bounds must have one entry per coordinate")
        var x = (0..<n).map { min(max(start[$0], lower[$0]), upper[$0]) }
        var g = [Double](repeating: 0, count: n)
        var evaluations = 1
        var fx = f(x, &g)
        guard fx.isFinite, g.allSatisfy(\.isFinite) else {
            return OptimizerResult(x: x, value: fx, iterations: 0, evaluations: evaluations, status: .nonFiniteStart)
        }
        var history = CurvatureHistory(memory: memory, dimension: n)
        var binding = [Bool](repeating: false, count: n)
        var pg = g, d = g, xNew = x, gNew = g, sk = g, yk = g

        for iteration in 0..<maxIterations {
            for i in 0..<n {
                binding[i] = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0)
                pg[i] = binding[i] ? 0 : g[i]
            }
            if maxAbs(pg) <= gradientTolerance {
                return OptimizerResult(x: x, value: fx, iterations: iteration, evaluations: evaluations, status: .convergedGradient)
            }
            history.direction(pg, into: &d)
            for i in 0..<n where binding[i] { d[i] = 0 }
            var slope = dot(d, g)
            if !(slope < 0) {
                history.clear()
                for i in 0..<n { d[i] = -pg[i] }
                slope = dot(d, g)
            }
            // The longest step that stays in the box, and the coordinate that stops it.
            var tMax = Double.infinity, blocking = -1
            for i in 0..<n where d[i] != 0 {
                let room = d[i] < 0 ? (lower[i] - x[i]) / d[i] : (upper[i] - x[i]) / d[i]
                if room < tMax { tMax = room; blocking = i }
            }
            var t = min(history.isEmpty ? min(1, 1 / max(norm(d), 1e-300)) : 1, tMax)
            var accepted: Double? = nil
            for _ in 0..<60 {
                for i in 0..<n { xNew[i] = min(max(x[i] + t * d[i], lower[i]), upper[i]) }
                if t == tMax, blocking >= 0 { xNew[blocking] = d[blocking] < 0 ? lower[blocking] : upper[blocking] }
                evaluations += 1
                let ft = f(xNew, &gNew)
                if ft.isFinite, gNew.allSatisfy(\.isFinite), ft <= fx + c1 * t * slope {
                    accepted = ft
                    break
                }
                // The minimizer of the quadratic through f(0), f'(0) and f(t), kept in [0.1t, 0.5t].
                var next = 0.1 * t
                if ft.isFinite {
                    let q = -slope * t * t / (2 * (ft - fx - slope * t))
                    if q.isFinite { next = min(max(q, 0.1 * t), 0.5 * t) }
                }
                t = next
                if t * maxAbs(d) <= 1e-300 { break }
            }
            guard let fNew = accepted else {
                // A quasi-Newton direction that gives no decrease is retried as steepest descent.
                if !history.isEmpty { history.clear(); continue }
                return OptimizerResult(x: x, value: fx, iterations: iteration, evaluations: evaluations, status: .noDecrease)
            }
            for i in 0..<n { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i] }
            let sy = dot(sk, yk)
            let decrease = fx - fNew
            let steepest = history.isEmpty
            if sy > 1e-12 * norm(sk) * norm(yk) { history.append(sk, yk, sy) }
            swap(&x, &xNew); swap(&g, &gNew)
            let previous = fx
            fx = fNew
            if decrease <= functionTolerance * max(abs(previous), abs(fNew)) {
                // Stop only when even a steepest-descent step makes no progress.
                if steepest {
                    return OptimizerResult(x: x, value: fx, iterations: iteration + 1, evaluations: evaluations, status: .convergedObjective)
                }
                history.clear()
            }
        }
        return OptimizerResult(x: x, value: fx, iterations: maxIterations, evaluations: evaluations, status: .maxIterations)
    }
}
