/// Kaplan et al. 2020 pure power law in one variable: `L(x) = (X_c/x)^α`.
///
/// For N (non-embedding parameters), D (tokens) or C (FLOPs; Kaplan quote C_c in PF-days,
/// we keep FLOPs throughout: 1 PF-day = 8.64e19 FLOPs). arXiv:2001.08361, Eqs. 1.1–1.3.
/// Fitted by least squares in log space, where the law is linear: `log L = α·log X_c − α·log x`.
public struct KaplanPowerLaw: LawFormula {
    public var variable: ScaleVariable

    public init(variable: ScaleVariable) { self.variable = variable }

    public var identifier: String { "kaplan-\(variable.symbol.lowercased())" }
    public var formula: String { "L = (\(variable.symbol)c/\(variable.symbol))^alpha" }
    public var variables: [ScaleVariable] { [variable] }
    public var defaultObjective: FitObjectiveKind { .leastSquares }

    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("\(variable.symbol)c", range: 0...Double.infinity, scale: .logarithmic,
                          startGrid: [10, 20, 30, 40, 50, 60, 70]),
            ParameterSpec("alpha", range: 0...10, scale: .linear, startGrid: [0.02, 0.05, 0.1, 0.3]),
        ]
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        _pow(p[0] / x[variable], p[1])
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let ratio = p[0] / x[variable]
        let L = _pow(ratio, p[1])
        g[0] = p[1] * L / p[0]            // ∂L/∂X_c
        g[1] = L * _log(ratio)            // ∂L/∂α
        return L
    }
}

/// Kaplan et al. 2020 joint law: `L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D`.
///
/// arXiv:2001.08361, Eq. 1.5. N counts non-embedding parameters.
public struct KaplanJointLaw: LawFormula {
    public init() {}

    public var identifier: String { "kaplan-nd" }
    public var formula: String { "L = [(Nc/N)^(alpha_N/alpha_D) + Dc/D]^alpha_D" }
    public var variables: [ScaleVariable] { [.parameters, .tokens] }
    public var defaultObjective: FitObjectiveKind { .leastSquares }

    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("Nc", range: 0...Double.infinity, scale: .logarithmic, startGrid: [10, 20, 30, 40]),
            ParameterSpec("Dc", range: 0...Double.infinity, scale: .logarithmic, startGrid: [10, 20, 30, 40]),
            ParameterSpec("alpha_N", range: 0...10, scale: .linear, startGrid: [0.05, 0.1, 0.3]),
            ParameterSpec("alpha_D", range: 0...10, scale: .linear, startGrid: [0.05, 0.1, 0.3]),
        ]
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        let s = _pow(p[0] / x.N, p[2] / p[3]) + p[1] / x.D
        return _pow(s, p[3])
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let (Nc, Dc, aN, aD) = (p[0], p[1], p[2], p[3])
        let r = aN / aD
        let lnRatio = _log(Nc / x.N)
        let u = _exp(r * lnRatio)          // (Nc/N)^(αN/αD)
        let s = u + Dc / x.D
        let L = _pow(s, aD)
        let dLds = aD * L / s
        g[0] = dLds * r * u / Nc           // ∂u/∂Nc = r·u/Nc
        g[1] = dLds / x.D
        g[2] = dLds * u * lnRatio / aD     // ∂u/∂αN = u·lnRatio/αD
        // ∂L/∂αD = L·log s + dL/ds·∂u/∂αD, ∂u/∂αD = −u·lnRatio·αN/αD²
        g[3] = L * _log(s) - dLds * u * lnRatio * aN / (aD * aD)
        return L
    }
}
