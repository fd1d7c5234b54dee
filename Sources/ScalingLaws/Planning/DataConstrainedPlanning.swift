/// The seven constants of the Muennighoff et al. 2023 data-constrained law, as a value.
///
/// The law itself is evaluated by `DataConstrainedLaw` (the one implementation); this type only
/// names the parameter vector `[E, A, B, α, β, R_D*, R_N*]`.
public struct DataConstrainedParameters: Sendable, Codable, Equatable, Hashable {
    /// E, A, B, α, β: the Chinchilla part, which the law reduces to with unlimited unique data.
    public var chinchilla: ChinchillaParameters
    /// R_D*: the number of repetitions after which repeated tokens are worth 1 − 1/e of their value lost.
    public var repeatedTokenDecay: Double
    /// R_N*: the same for parameters in excess of N_opt(U).
    public var excessParameterDecay: Double

    public init(chinchilla: ChinchillaParameters, repeatedTokenDecay: Double, excessParameterDecay: Double) {
        self.chinchilla = chinchilla
        self.repeatedTokenDecay = repeatedTokenDecay
        self.excessParameterDecay = excessParameterDecay
    }

    /// From the parameter vector of `DataConstrainedLaw`.
    public init(_ p: [Double]) {
        precondition(p.count == 7, "the data-constrained law has 7 parameters, got \(p.count)")
        self.init(chinchilla: ChinchillaParameters(p), repeatedTokenDecay: p[5], excessParameterDecay: p[6])
    }

    public var vector: [Double] { chinchilla.vector + [repeatedTokenDecay, excessParameterDecay] }

    /// `L(N, D, U)` by `DataConstrainedLaw`.
    public func loss(parameters N: Double, tokens D: Double, uniqueTokens U: Double) -> Double {
        DataConstrainedLaw().value(vector, at: LawInput(N: N, D: D, U: U))
    }
}

/// The best model for a compute budget when unique data is limited.
public struct DataConstrainedPlan: Sendable, Codable, Equatable {
    public var compute: Double
    /// U: unique tokens available.
    public var uniqueTokens: Double
    /// N: parameters of the loss-minimizing model under C = 6·N·D.
    public var parameters: Double
    /// D: training tokens, repeats included.
    public var tokens: Double
    /// D/U: epochs over the unique data.
    public var epochs: Double
    public var tokensPerParameter: Double
    public var loss: Double
    /// The same budget with unlimited unique data (U = ∞: Chinchilla with the same E, A, B, α, β).
    public var unconstrained: ComputeOptimalPlan
    /// `loss − unconstrained.loss`: what the shortage of unique data costs (≥ 0).
    public var lossPenalty: Double
}

extension DataConstrainedParameters {
    /// The loss-minimizing N and D = C/(6N) for a budget and a supply of unique tokens.
    ///
    /// Minimizes `L(N, C/(6N), U)` over `log N` exactly: the law has kinks where `D = U`
    /// (repetition starts) and where `N = N_opt(U)` (the parameter cap starts), so those two
    /// points are added to a 128-point scan of `log N` over 25 e-folds either side of `C/6`'s
    /// geometric midpoint (and 1 ≤ N, D), and Brent's minimizer refines the best brackets
    /// (`ScalarSolvers.minimize`). Muennighoff et al. (arXiv:2305.16264) find the optimum by grid
    /// search; this is the exact 1-D optimum.
    public func optimalAllocation(compute C: Double, uniqueTokens U: Double) throws(PlanningError) -> DataConstrainedPlan {
        try PlanningError.check("compute", C)
        try PlanningError.check("unique tokens", U)
        let logHalf = _log(C / 6)                      // log N + log D
        let lower = max(0, logHalf / 2 - 25), upper = min(logHalf, logHalf / 2 + 25)
        guard lower < upper else { throw .notPositive(name: "compute (at least 12 FLOPs)", value: C) }
        let f: (Double) -> Double = { u in
            self.loss(parameters: _exp(u), tokens: _exp(logHalf - u), uniqueTokens: U)
        }
        let kinks = [_log(chinchilla.optimalParameters(tokens: U)), logHalf - _log(U)]
        let best = ScalarSolvers.minimize(f, in: lower, upper, breakpoints: kinks)
        let N = _exp(best.x), D = _exp(logHalf - best.x)
        let free = try chinchilla.computeOptimalPlan(compute: C)
        return DataConstrainedPlan(compute: C, uniqueTokens: U, parameters: N, tokens: D, epochs: D / U,
                                   tokensPerParameter: D / N, loss: best.value, unconstrained: free,
                                   lossPenalty: best.value - free.loss)
    }
}
