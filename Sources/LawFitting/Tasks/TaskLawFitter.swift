import ScalingLaws

/// A task-metric law fitted by least squares: `min Σ (f(x_i; p) − y_i)²` in the box of each
/// parameter.
public struct TaskCurveFit: Sendable {
    /// The form fitted.
    public let formula: any TaskMetricFormula
    /// The best parameters, in the form's order.
    public let parameters: [Double]
    /// `Σ (f(x_i) − y_i)²` at the best parameters.
    public let sumOfSquares: Double
    /// How many points were fitted.
    public let points: Int
    /// How many starts were tried.
    public let starts: Int
    /// How the best start stopped.
    public let status: OptimizerStatus

    /// The fitted law's value at `x`.
    public func predict(_ x: Double) -> Double { formula.value(parameters, at: x) }

    /// The parameters by name.
    public var named: [String: Double] { Dictionary(uniqueKeysWithValues: zip(formula.parameterNames, parameters)) }
}

/// The smooth metric against N and D fitted as the OLMo ladder's step 1 does: the Chinchilla law
/// written `exp(a − α·ln N) + exp(b − β·ln D) + E`, every parameter bounded below by 0.
public struct BoundedLossFit: Sendable {
    /// The fitted law (`ChinchillaLaw`: E, A = e^a, B = e^b, α, β).
    public let law: Law
    /// The parameters as fitted: a, b, α, β, E.
    public let theta: [Double]
    /// `Σ Huber_δ(ln L̂_i − ln L_i)` at `theta`.
    public let objective: Double
    /// How the optimizer stopped.
    public let status: OptimizerStatus
    /// Its iterations.
    public let iterations: Int
}

/// Fits the task-metric laws: the loss-to-metric laws by bounded least squares from several
/// starts, and the smooth metric's Chinchilla law in the OLMo ladder's own parametrization.
public enum TaskLawFitter {
    /// Fits `formula` to the points `(x_i, y_i)` by least squares, from every start (natural
    /// values; nil: the Cartesian product of the form's start grids), within `lower…upper` (nil:
    /// the parameters' ranges), and keeps the best.
    ///
    /// - Parameters:
    ///   - formula: the form.
    ///   - x: the abscissae (losses, or `ln C` for the compute sigmoid).
    ///   - y: the metric at each `x`.
    ///   - starts: the start points, or nil for the form's grid.
    ///   - lower: the lower bounds, or nil for the parameters' ranges.
    ///   - upper: the upper bounds, or nil for the parameters' ranges.
    ///   - optimizer: the bounded optimizer and its tolerances.
    /// - Returns: the best fit.
    /// - Throws: `FitError` when there are too few points, a value is not finite, a start has the
    ///   wrong length, or no start gives a finite objective.
    public static func fit(_ formula: any TaskMetricFormula, x: [Double], y: [Double], starts: [[Double]]? = nil,
                           lower: [Double]? = nil, upper: [Double]? = nil,
                           optimizer: BoundedLBFGS = BoundedLBFGS()) throws -> TaskCurveFit {
        let k = formula.parameters.count
        guard x.count == y.count else {
            throw FitError.badOption("\(formula.identifier): \(x.count) x values but \(y.count) metric values; give one metric per point")
        }
        guard x.count > k else {
            throw FitError.tooFewPoints(law: formula.identifier, parameters: k, points: x.count)
        }
        if let i = x.indices.first(where: { !x[$0].isFinite || !y[$0].isFinite }) {
            throw FitError.badOption("\(formula.identifier): point \(i + 1) is not finite (x \(x[i]), metric \(y[i])); drop it or fix the data")
        }
        let starts = starts ?? grid(formula)
        if let bad = starts.first(where: { $0.count != k }) {
            throw FitError.badStart(bad, law: formula.identifier, expected: k)
        }
        let lo = lower ?? formula.lowerBounds, hi = upper ?? formula.upperBounds
        var best: OptimizerResult? = nil
        for start in starts {
            let r = minimize(formula, x: x, y: y, from: start, lower: lo, upper: hi, optimizer: optimizer)
            if r.value.isFinite, best == nil || r.value < best!.value { best = r }
        }
        guard let best else { throw FitError.noConvergedStart(law: formula.identifier) }
        return TaskCurveFit(formula: formula, parameters: best.x, sumOfSquares: 2 * best.value,
                            points: x.count, starts: starts.count, status: best.status)
    }

    /// One bounded least-squares minimization of `½·Σ (f(x_i) − y_i)²` from `start`.
    static func minimize(_ formula: any TaskMetricFormula, x: [Double], y: [Double], from start: [Double],
                         lower: [Double], upper: [Double], optimizer: BoundedLBFGS) -> OptimizerResult {
        var pointGradient = [Double](repeating: 0, count: start.count)
        return optimizer.minimize(from: start, lower: lower, upper: upper) { p, g in
            for j in g.indices { g[j] = 0 }
            var total = 0.0
            for i in x.indices {
                let r = formula.value(p, at: x[i], gradient: &pointGradient) - y[i]
                total += r * r
                for j in g.indices { g[j] += r * pointGradient[j] }
            }
            return 0.5 * total
        }
    }

    /// The Cartesian product of the form's start grids.
    static func grid(_ formula: any TaskMetricFormula) -> [[Double]] {
        formula.parameters.reduce([[]]) { points, spec in points.flatMap { p in spec.startGrid.map { p + [$0] } } }
    }

    /// Fits `L(N, D) = exp(a − α·ln N) + exp(b − β·ln D) + E` to `points` (N, D and the loss or
    /// bits per byte) by summed `Huber_δ(ln L̂ − ln L)`, every parameter ≥ 0, from `start`
    /// (a, b, α, β, E), to full convergence: the OLMo ladder's step 1.
    ///
    /// - Parameters:
    ///   - points: the ladder's final points; each needs N and D.
    ///   - start: a, b, α, β, E; the paper's p0 is (3, 6, 0.1, 0.2, 1).
    ///   - delta: Huber's δ (the paper's 1e-3).
    ///   - optimizer: the bounded optimizer and its tolerances.
    /// - Returns: the fitted law.
    /// - Throws: `FitError` when there are too few points, a point lacks N or D, or the start is
    ///   not finite.
    public static func fitBoundedChinchilla(_ points: [Observation], start: [Double] = [3, 6, 0.1, 0.2, 1],
                                            delta: Double = 1e-3,
                                            optimizer: BoundedLBFGS = BoundedLBFGS()) throws -> BoundedLossFit {
        let data = FitData(points)
        try LawFitter.check(ChinchillaLaw(), data)
        guard start.count == 5 else { throw FitError.badStart(start, law: "chinchilla", expected: 5) }
        let r = minimizeBoundedChinchilla(data, from: start, delta: delta, optimizer: optimizer)
        guard r.value.isFinite else { throw FitError.noConvergedStart(law: "chinchilla") }
        return BoundedLossFit(law: boundedChinchillaLaw(r.x), theta: r.x, objective: r.value,
                              status: r.status, iterations: r.iterations)
    }

    /// The Chinchilla law of the bounded parametrization (a, b, α, β, E).
    static func boundedChinchillaLaw(_ theta: [Double]) -> Law {
        Law(ChinchillaLaw(), parameters: [theta[4], _exp(theta[0]), _exp(theta[1]), theta[2], theta[3]])
    }

    /// One minimization of the bounded step-1 objective from `start`.
    static func minimizeBoundedChinchilla(_ data: FitData, from start: [Double], delta: Double,
                                          optimizer: BoundedLBFGS) -> OptimizerResult {
        let zero = [Double](repeating: 0, count: 5), none = [Double](repeating: .infinity, count: 5)
        return optimizer.minimize(from: start, lower: zero, upper: none, boundedChinchillaObjective(data, delta: delta))
    }

    /// `Σ Huber_δ(ln L̂_i − ln L_i)` with `L̂ = exp(a − α·ln N) + exp(b − β·ln D) + E` and its gradient in
    /// θ = (a, b, α, β, E); +∞ where the law is not positive. The value and gradient come from
    /// `ChinchillaLaw` (E, A = e^a, B = e^b, α, β) by the chain rule.
    static func boundedChinchillaObjective(_ data: FitData, delta: Double) -> LBFGS.Objective {
        let form = ChinchillaLaw()
        var natural = [Double](repeating: 0, count: 5), pg = natural
        return { theta, g in
            natural[0] = theta[4]; natural[1] = _exp(theta[0]); natural[2] = _exp(theta[1])
            natural[3] = theta[2]; natural[4] = theta[3]
            for j in 0..<5 { g[j] = 0 }
            var total = 0.0
            for i in 0..<data.count {
                let L = form.value(natural, at: data.inputs[i], gradient: &pg)
                guard L > 0, L.isFinite else { return .infinity }
                let (h, slope) = huber(_log(L) - data.logLoss[i], delta: delta)
                total += h
                let w = slope / L
                g[0] += w * pg[1] * natural[1]      // ∂/∂a: ∂L/∂A · A
                g[1] += w * pg[2] * natural[2]      // ∂/∂b
                g[2] += w * pg[3]                   // ∂/∂α
                g[3] += w * pg[4]                   // ∂/∂β
                g[4] += w * pg[0]                   // ∂/∂E
            }
            return total
        }
    }
}
