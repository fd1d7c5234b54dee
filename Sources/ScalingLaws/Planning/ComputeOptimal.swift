/// A planning request that cannot be answered, with what to change.
public enum PlanningError: Error, Equatable, CustomStringConvertible {
    case notPositive(name: String, value: Double)
    case targetLossNotAboveIrreducible(target: Double, irreducible: Double)
    case targetLossUnreachable(target: Double, reason: String)
    case unsupported(law: String, request: String)
    case unknownLaw(String, known: [String])

    public var description: String {
        switch self {
        case let .notPositive(name, value):
            "\(name) must be a positive, finite number, got \(value)"
        case let .targetLossNotAboveIrreducible(target, E):
            "target loss \(target) is not above the law's irreducible loss E = \(E); no amount of compute reaches it. "
                + "Choose a target above \(E)"
        case let .targetLossUnreachable(target, reason):
            "target loss \(target) cannot be reached: \(reason)"
        case let .unsupported(law, request):
            "the law '\(law)' cannot answer \(request)"
        case let .unknownLaw(name, known):
            "unknown law '\(name)'; known laws: \(known.joined(separator: ", "))"
        }
    }

    static func check(_ name: String, _ value: Double) throws(PlanningError) {
        guard value > 0, value.isFinite else { throw .notPositive(name: name, value: value) }
    }
}

/// A point on the compute-optimal frontier: model size, tokens and loss at a budget.
public struct ComputeOptimalPlan: Sendable, Codable, Equatable {
    /// C: training FLOPs (= 6·N·D).
    public var compute: Double
    /// N_opt: parameters (the law's convention).
    public var parameters: Double
    /// D_opt: training tokens.
    public var tokens: Double
    /// D_opt/N_opt.
    public var tokensPerParameter: Double
    /// The predicted loss L(N_opt, D_opt).
    public var loss: Double

    public init(compute: Double, parameters: Double, tokens: Double, loss: Double) {
        self.compute = compute
        self.parameters = parameters
        self.tokens = tokens
        self.tokensPerParameter = tokens / parameters
        self.loss = loss
    }
}

extension ChinchillaParameters {
    /// `L − E = A/N^α + B/D^β`, without the cancellation of subtracting E from L.
    func reducibleLoss(parameters N: Double, tokens D: Double) -> Double {
        A * _pow(N, -alpha) + B * _pow(D, -beta)
    }

    /// The compute-optimal allocation at `compute` FLOPs under C = 6·N·D, by the closed form
    /// `N_opt = G·(C/6)^a`, `D_opt = (C/6)^b/G` (Hoffmann et al. 2022, arXiv:2203.15556, Eq. 4
    /// and Appendix D.2).
    public func computeOptimalPlan(compute C: Double) throws(PlanningError) -> ComputeOptimalPlan {
        try PlanningError.check("compute", C)
        let N = optimalParameters(compute: C)
        let D = optimalTokens(compute: C)
        return ComputeOptimalPlan(compute: C, parameters: N, tokens: D, loss: loss(parameters: N, tokens: D))
    }

    /// The least compute whose compute-optimal model reaches `targetLoss`, with its N and D.
    ///
    /// Solves `L(N_opt(C), D_opt(C)) = ℓ` for C by Brent's root finder on
    /// `log(A/N_opt^α + B/D_opt^β) − log(ℓ − E)` in `log C` (decreasing, and linear for this
    /// law: along the frontier `L − E ∝ C^(−αβ/(α+β))`), to about 1e-13 relative in C.
    /// The target must exceed E; budgets beyond 1e300 FLOPs are reported as unreachable.
    public func minimumCompute(targetLoss ell: Double) throws(PlanningError) -> ComputeOptimalPlan {
        guard ell.isFinite else { throw .notPositive(name: "target loss", value: ell) }
        guard ell > E else { throw .targetLossNotAboveIrreducible(target: ell, irreducible: E) }
        let logGap = _log(ell - E)
        let g: (Double) -> Double = { u in
            let C = _exp(u)
            return _log(self.reducibleLoss(parameters: self.optimalParameters(compute: C),
                                           tokens: self.optimalTokens(compute: C))) - logGap
        }
        // Bracket: g decreases in u = log C; walk out from 1e20 FLOPs in steps of e^8.
        var (lo, hi) = (_log(1e20), _log(1e20))
        while g(lo) < 0 && lo > -690 { lo -= 8 }
        while g(hi) > 0 && hi < 690 { hi += 8 }
        guard g(lo) >= 0, g(hi) <= 0, let u = ScalarSolvers.findRoot(g, in: lo, hi) else {
            throw .targetLossUnreachable(target: ell, reason: "it needs less than 1e-300 or more than 1e300 FLOPs")
        }
        return try computeOptimalPlan(compute: _exp(u))
    }
}
