import ScalingLaws

/// Quantities derived from a fitted law: the allocation exponents and, at each compute budget
/// asked for, the compute-optimal N, D and loss (closed form under C = 6·N·D; docs/science.md, §Chinchilla).
public enum Derived {
    /// The law's full set of named parameters, including any held fixed.
    public static func allNamed(_ formula: any LawFormula, _ p: [Double]) -> [String: Double] {
        if let staged = formula as? FixedParameters {
            return Dictionary(uniqueKeysWithValues: zip(staged.base.parameterNames, staged.full(p)))
        }
        return Dictionary(uniqueKeysWithValues: zip(formula.parameterNames, p))
    }

    /// E, A, B, α, β of a Chinchilla-type law (Chinchilla, or data-constrained with unlimited data;
    /// a tied law has β = α). Nil for other forms.
    public static func chinchilla(_ formula: any LawFormula, _ p: [Double]) -> ChinchillaParameters? {
        let v = allNamed(formula, p)
        guard let E = v["E"], let A = v["A"], let B = v["B"], let alpha = v["alpha"] else { return nil }
        let base = (formula as? FixedParameters)?.base ?? formula
        guard base is ChinchillaLaw || base is DataConstrainedLaw else { return nil }
        return ChinchillaParameters(E: E, A: A, B: B, alpha: alpha, beta: v["beta"] ?? alpha)
    }

    /// The (C, M) form of a Chinchilla law with tied exponents (`chinchilla-tied`, Gadre et al.
    /// 2024): `E`, `a`, `b`, `eta` of `L(C, M) = E + (a·M^η + b·M^−η)·C^−η`. Nil for other forms.
    public static func overtraining(_ formula: any LawFormula, _ p: [Double]) -> [String: Double]? {
        let base = (formula as? FixedParameters)?.base ?? formula
        guard let c = base as? ChinchillaLaw, c.tiedExponents, let q = chinchilla(formula, p) else { return nil }
        return OvertrainingParameters(q)?.named
    }

    /// Named scalar quantities: `a`, `b`, `G` for Chinchilla-type laws.
    public static func scalars(_ formula: any LawFormula, _ p: [Double]) -> [String: Double] {
        guard let c = chinchilla(formula, p) else { return [:] }
        return ["a": c.a, "b": c.b, "G": c.G]
    }

    /// Per-budget quantities: `N_opt`, `D_opt`, `tokens_per_parameter`, `loss` for Chinchilla-type
    /// laws; `loss` alone for laws of C only.
    public static func atBudget(_ formula: any LawFormula, _ p: [Double], compute C: Double) -> [String: Double] {
        if let c = chinchilla(formula, p) {
            let N = c.optimalParameters(compute: C), D = c.optimalTokens(compute: C)
            return ["N_opt": N, "D_opt": D, "tokens_per_parameter": D / N, "loss": c.loss(parameters: N, tokens: D)]
        }
        if formula.variables == [.compute] {
            return ["loss": formula.value(p, at: LawInput(C: C))]
        }
        return [:]
    }
}
