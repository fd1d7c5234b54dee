/// The cheapest model over its lifetime, training plus inference, that reaches a target loss.
public struct InferenceAwarePlan: Sendable, Codable, Equatable {
    /// ℓ: the loss the model must reach.
    public var targetLoss: Double
    /// D_inf: tokens the model will process at inference over its lifetime.
    public var inferenceTokens: Double
    public var parameters: Double
    public var trainingTokens: Double
    public var tokensPerParameter: Double
    /// 6·N·D_train.
    public var trainingCompute: Double
    /// 2·N·D_inf.
    public var inferenceCompute: Double
    /// Training plus inference FLOPs: what is minimized.
    public var totalCompute: Double
    /// The Chinchilla-optimal model for the same loss (least training compute).
    public var chinchillaOptimal: ComputeOptimalPlan
    /// `6·N*·D* + 2·N*·D_inf` for that model.
    public var chinchillaOptimalTotalCompute: Double
    /// N / N*: below 1 when inference favours a smaller model.
    public var parameterRatio: Double
    /// D_train / D*.
    public var tokenRatio: Double
    /// Total FLOPs / the Chinchilla-optimal model's total FLOPs (≤ 1).
    public var totalComputeRatio: Double
}

extension ChinchillaParameters {
    /// Sardana et al. 2023 (arXiv:2401.00448, Eq. 2): minimize `6·N·D_train + 2·N·D_inf`
    /// subject to `L(N, D_train) = ℓ`.
    ///
    /// On the constraint, `D_train(N) = (B/(ℓ − E − A/N^α))^(1/β)`, defined for
    /// `N > N_min = (A/(ℓ − E))^(1/α)`. Writing `N = N_min·e^v`, `ℓ − E − A/N^α =
    /// (ℓ − E)·(1 − e^(−α·v))` (computed with expm1), and the cost is minimized over `log v`
    /// (v from 1e-12 to 100/α) by `ScalarSolvers.minimize`. The cost grows without bound at both
    /// ends (D_train → ∞ as N → N_min, and cost ∝ N as N → ∞), so the minimum is interior.
    /// With `D_inf = 0` this is the Chinchilla-optimal model for loss ℓ.
    public func inferenceAwarePlan(targetLoss ell: Double, inferenceTokens Dinf: Double) throws(PlanningError) -> InferenceAwarePlan {
        guard Dinf >= 0, Dinf.isFinite else { throw .notPositive(name: "inference tokens (≥ 0)", value: Dinf) }
        // Constants no fitted law has (from a corrupt fit file) would leave the search interval
        // below empty or NaN.
        for (name, x) in [("A", A), ("B", B), ("alpha", alpha), ("beta", beta)] where !(x > 0 && x.isFinite) {
            throw .notPositive(name: name, value: x)
        }
        guard _log(100 / alpha) > _log(1e-12) else {
            throw .unsupported(law: "chinchilla with alpha = \(alpha)", request: "inference-aware planning (alpha must be below 1e14)")
        }
        let reference = try minimumCompute(targetLoss: ell)     // validates ℓ > E
        let gap = ell - E
        let logNmin = _log(A / gap) / alpha
        func point(_ w: Double) -> (N: Double, D: Double) {
            let v = _exp(w)
            let N = _exp(logNmin + v)
            let D = _exp((_log(B / gap) - _log(-_expm1(-alpha * v))) / beta)
            return (N, D)
        }
        // log(total cost) = log N + log(6·D + 2·D_inf).
        let cost: (Double) -> Double = { w in
            let (N, D) = point(w)
            return _log(N) + _log(6 * D + 2 * Dinf)
        }
        let best = ScalarSolvers.minimize(cost, in: _log(1e-12), _log(100 / alpha))
        let (N, D) = point(best.x)
        let ref = reference
        let refTotal = ref.compute + 2 * ref.parameters * Dinf
        let total = 6 * N * D + 2 * N * Dinf
        return InferenceAwarePlan(
            targetLoss: ell, inferenceTokens: Dinf, parameters: N, trainingTokens: D, tokensPerParameter: D / N,
            trainingCompute: 6 * N * D, inferenceCompute: 2 * N * Dinf, totalCompute: total,
            chinchillaOptimal: ref, chinchillaOptimalTotalCompute: refTotal,
            parameterRatio: N / ref.parameters, tokenRatio: D / ref.tokens, totalComputeRatio: total / refTotal)
    }
}
