import ScalingLaws

/// The residuals `r_i = log L̂(x_i; p(θ)) − log L_i` of any law in fitting space θ, and the two
/// objectives built on them: summed Huber (for L-BFGS) and least squares (for Levenberg–Marquardt);
/// also the residuals on the loss itself, `L̂(x_i; p(θ)) − L_i` (`least-squares-loss`).
///
/// Not thread-safe: it owns scratch buffers. Make one per thread.
struct LogSpaceObjective {
    let formula: any LawFormula
    let data: FitData
    let delta: Double
    /// `formula.parameters`, built once (each call builds a new array).
    private let specs: [ParameterSpec]
    private var natural: [Double]
    private var pointGradient: [Double]

    init(formula: any LawFormula, data: FitData, delta: Double) {
        self.formula = formula
        self.data = data
        self.delta = delta
        specs = formula.parameters
        natural = [Double](repeating: 0, count: formula.parameters.count)
        pointGradient = natural
    }

    /// `Σ_i Huber_δ(r_i)` and its gradient with respect to θ. +∞ where the law is not positive.
    mutating func huberObjective(_ theta: [Double], gradient g: inout [Double]) -> Double {
        for j in g.indices { g[j] = 0 }
        var total = 0.0
        for i in 0..<data.count {
            let logL = formula.logValue(fitting: theta, natural: &natural, at: data.inputs[i], gradient: &pointGradient, specs: specs)
            guard logL.isFinite else { return .infinity }
            let (h, slope) = huber(logL - data.logLoss[i], delta: delta)
            total += h
            for j in g.indices { g[j] += slope * pointGradient[j] }
        }
        return total
    }

    /// Residuals and the row-major Jacobian `∂r_i/∂θ_j`; NaN residuals where the law is not positive.
    mutating func residuals(_ theta: [Double], _ r: inout [Double], _ J: inout [Double]) {
        let n = theta.count
        for i in 0..<data.count {
            let logL = formula.logValue(fitting: theta, natural: &natural, at: data.inputs[i], gradient: &pointGradient, specs: specs)
            r[i] = logL - data.logLoss[i]
            for j in 0..<n { J[i * n + j] = pointGradient[j] }
        }
    }

    /// Residuals on the loss itself, `r_i = L̂_i − L_i`, and the row-major Jacobian `∂r_i/∂θ_j`
    /// (`∂L̂/∂p_j`, times `p_j` for logarithmic parameters, `dp/dθ = p`); NaN residuals where the
    /// law is not finite.
    mutating func lossResiduals(_ theta: [Double], _ r: inout [Double], _ J: inout [Double]) {
        let n = theta.count
        for j in 0..<n { natural[j] = specs[j].natural(theta[j]) }
        for i in 0..<data.count {
            let L = formula.value(natural, at: data.inputs[i], gradient: &pointGradient)
            r[i] = L.isFinite ? L - data.loss[i] : .nan
            for j in 0..<n {
                J[i * n + j] = specs[j].scale == .logarithmic ? pointGradient[j] * natural[j] : pointGradient[j]
            }
        }
    }
}
