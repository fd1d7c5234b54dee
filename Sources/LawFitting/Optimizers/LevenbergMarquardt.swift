/// Levenberg–Marquardt for nonlinear least squares `min ½·Σ r_i(x)²` (Moré 1978 scaling:
/// the damping is `λ·diag(JᵀJ)`). The standard method where plain least squares in log space
/// is the convention (Kaplan's power laws, broken power laws).
///
/// The residual function fills `r` (m entries) and the row-major Jacobian `J` (m×n).
/// A non-finite trial point is treated as a failed step: the damping grows and the step shrinks.
public struct LevenbergMarquardt: Sendable {
    public var maxIterations = 500
    /// Stop when the relative decrease of the sum of squares falls below this.
    public var functionTolerance = 1e-12
    /// Stop when `max_j |(Jᵀr)_j| ≤ gradientTolerance`.
    public var gradientTolerance = 1e-12
    /// Stop when the step is below this relative to the parameters.
    public var stepTolerance = 1e-12

    public init() {}

    public typealias Residuals = (_ x: [Double], _ r: inout [Double], _ J: inout [Double]) -> Void

    /// `m` is the number of residuals. The returned `value` is `½·Σ r_i²`.
    public func minimize(from start: [Double], residuals m: Int, _ f: Residuals) -> OptimizerResult {
        let n = start.count
        var x = start
        var r = [Double](repeating: 0, count: m), J = [Double](repeating: 0, count: m * n)
        var rTrial = r, JTrial = J
        f(x, &r, &J)
        var evaluations = 1
        var cost = halfSumOfSquares(r)
        guard cost.isFinite, J.allSatisfy(\.isFinite) else {
            return OptimizerResult(x: x, value: cost, iterations: 0, evaluations: 1, status: .nonFiniteStart)
        }
        var lambda = 1e-3
        var JtJ = [Double](repeating: 0, count: n * n), Jtr = [Double](repeating: 0, count: n)
        var xTrial = x
        for iteration in 0..<maxIterations {
            normalEquations(J, r, m: m, n: n, JtJ: &JtJ, Jtr: &Jtr)
            if maxAbs(Jtr) <= gradientTolerance {
                return OptimizerResult(x: x, value: cost, iterations: iteration, evaluations: evaluations, status: .convergedGradient)
            }
            var accepted = false
            for _ in 0..<60 {
                var A = JtJ
                for j in 0..<n { A[j * n + j] += lambda * max(JtJ[j * n + j], 1e-12) }
                guard let step = choleskySolve(A, Jtr.map { -$0 }, n: n) else { lambda *= 10; continue }
                for j in 0..<n { xTrial[j] = x[j] + step[j] }
                f(xTrial, &rTrial, &JTrial)
                evaluations += 1
                let trialCost = halfSumOfSquares(rTrial)
                if trialCost.isFinite, JTrial.allSatisfy(\.isFinite), trialCost < cost {
                    let decrease = cost - trialCost
                    swap(&x, &xTrial); swap(&r, &rTrial); swap(&J, &JTrial)
                    let previous = cost
                    cost = trialCost
                    lambda = max(lambda / 3, 1e-12)
                    accepted = true
                    if decrease <= functionTolerance * max(previous, 1e-300) {
                        return OptimizerResult(x: x, value: cost, iterations: iteration + 1, evaluations: evaluations, status: .convergedObjective)
                    }
                    if maxAbs(step) <= stepTolerance * max(maxAbs(x), 1) {
                        return OptimizerResult(x: x, value: cost, iterations: iteration + 1, evaluations: evaluations, status: .convergedStep)
                    }
                    break
                }
                if maxAbs(step) <= stepTolerance * max(maxAbs(x), 1) {
                    return OptimizerResult(x: x, value: cost, iterations: iteration, evaluations: evaluations, status: .convergedStep)
                }
                lambda *= 4
            }
            if !accepted {
                return OptimizerResult(x: x, value: cost, iterations: iteration, evaluations: evaluations, status: .noDecrease)
            }
        }
        return OptimizerResult(x: x, value: cost, iterations: maxIterations, evaluations: evaluations, status: .maxIterations)
    }

    private func halfSumOfSquares(_ r: [Double]) -> Double { 0.5 * dot(r, r) }

    private func normalEquations(_ J: [Double], _ r: [Double], m: Int, n: Int,
                                 JtJ: inout [Double], Jtr: inout [Double]) {
        for k in 0..<(n * n) { JtJ[k] = 0 }
        for k in 0..<n { Jtr[k] = 0 }
        for i in 0..<m {
            let row = i * n
            for a in 0..<n {
                let ja = J[row + a]
                Jtr[a] += ja * r[i]
                for b in a..<n { JtJ[a * n + b] += ja * J[row + b] }
            }
        }
        for a in 0..<n { for b in 0..<a { JtJ[a * n + b] = JtJ[b * n + a] } }
    }
}

/// Solves `A·x = b` for a symmetric positive-definite `A` (n×n, row-major). Nil if not positive definite.
func choleskySolve(_ A: [Double], _ b: [Double], n: Int) -> [Double]? {
    var L = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var s = A[i * n + j]
            for k in 0..<j { s -= L[i * n + k] * L[j * n + k] }
            if i == j {
                guard s > 0, s.isFinite else { return nil }
                L[i * n + i] = s.squareRoot()
            } else {
                L[i * n + j] = s / L[j * n + j]
            }
        }
    }
    var y = b
    for i in 0..<n {
        for k in 0..<i { y[i] -= L[i * n + k] * y[k] }
        y[i] /= L[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        for k in (i + 1)..<n { y[i] -= L[k * n + i] * y[k] }
        y[i] /= L[i * n + i]
    }
    return y
}
