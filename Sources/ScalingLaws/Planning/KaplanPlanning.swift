/// Kaplan et al. 2020's answers for a budget: the loss of compute-efficient training and the
/// published model size.
public struct KaplanPlan: Sendable, Codable, Equatable {
    public var compute: Double
    /// `L(C) = (C_c/C)^α_C` (arXiv:2001.08361, Eq. 1.3, with C_c in FLOPs).
    public var loss: Double
    /// N_opt(C) from the published allocation (non-embedding parameters).
    public var parameters: Double
    /// `C/(6·N_opt)`.
    public var tokens: Double
    public var tokensPerParameter: Double
    /// The least compute with `L(C) = targetLoss`: `C = C_c·ℓ^(−1/α_C)`.
    public var computeForTargetLoss: Double?

    /// From Kaplan's `L(C)` (a `KaplanPowerLaw` in C, parameters `[C_c, α_C]`) and allocation.
    public init(compute C: Double, lossOfCompute: Law, allocation: AllocationLaw, targetLoss: Double?) throws(PlanningError) {
        precondition((lossOfCompute.formula as? KaplanPowerLaw)?.variable == .compute,
                     "KaplanPlan needs Kaplan's L(C), got \(lossOfCompute.identifier)")
        try PlanningError.check("compute", C)
        let a = allocation.allocation(compute: C)
        self.compute = C
        self.loss = lossOfCompute(LawInput(C: C))
        self.parameters = a.parameters
        self.tokens = a.tokens
        self.tokensPerParameter = a.tokensPerParameter
        if let ell = targetLoss {
            try PlanningError.check("target loss", ell)
            let (Cc, alphaC) = (lossOfCompute.parameters[0], lossOfCompute.parameters[1])
            self.computeForTargetLoss = Cc * _pow(ell, -1 / alphaC)
        } else {
            self.computeForTargetLoss = nil
        }
    }
}
