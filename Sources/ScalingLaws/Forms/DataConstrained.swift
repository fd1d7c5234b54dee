/// Muennighoff et al. 2023 data-constrained law: repeated tokens and excess parameters are worth
/// less than fresh ones. arXiv:2305.16264, Eqs. 5–6 and Appendix A.
///
/// ```
/// R_D = max(D/U − 1, 0)                       repetitions of the U unique tokens
/// U_N = min(N, N_opt(U)),  N_opt(U) = G·(U·G)^(β/α) = (αA/(βB))^(1/α) · U^(β/α)
/// R_N = max(N/U_N − 1, 0)
/// D'  = U   + U·R_D*·(1 − exp(−R_D/R_D*))
/// N'  = U_N + U_N·R_N*·(1 − exp(−R_N/R_N*))
/// L   = E + A/N'^α + B/D'^β
/// ```
/// Parameters: E, A, B, alpha, beta, R_D_star, R_N_star. With `tiedExponents` (the published
/// C4 fit has α = β = 0.3526596) β is not a free parameter but equal to α, and the vector is
/// E, A, B, alpha, R_D_star, R_N_star.
public struct DataConstrainedLaw: LawFormula {
    public var tiedExponents: Bool

    public init(tiedExponents: Bool = false) { self.tiedExponents = tiedExponents }

    public var identifier: String { tiedExponents ? "data-constrained-tied" : "data-constrained" }
    public var formula: String { "L = E + A/N'^alpha + B/D'^beta (N', D': effective parameters and tokens)" }
    public var variables: [ScaleVariable] { [.parameters, .tokens, .uniqueTokens] }
    public var defaultObjective: FitObjectiveKind { .huber }

    public var parameters: [ParameterSpec] {
        let all = [
            ParameterSpec("E", range: 0...Double.infinity, scale: .logarithmic, startGrid: [-0.5, 0, 0.5, 1]),
            ParameterSpec("A", range: 0...Double.infinity, scale: .logarithmic, startGrid: [0, 5, 10]),
            ParameterSpec("B", range: 0...Double.infinity, scale: .logarithmic, startGrid: [0, 5, 10]),
            ParameterSpec("alpha", range: 0...10, scale: .linear, startGrid: [0.2, 0.5, 1]),
            ParameterSpec("beta", range: 0...10, scale: .linear, startGrid: [0.2, 0.5, 1]),
            ParameterSpec("R_D_star", range: 0...Double.infinity, scale: .logarithmic, startGrid: [_log(5), _log(20)]),
            ParameterSpec("R_N_star", range: 0...Double.infinity, scale: .logarithmic, startGrid: [_log(5), _log(20)]),
        ]
        return tiedExponents ? all.enumerated().filter { $0.offset != 4 }.map(\.element) : all
    }

    /// The full seven-parameter vector E, A, B, alpha, beta, R_D_star, R_N_star (β inserted when tied).
    @inline(__always) public func untied(_ p: [Double]) -> [Double] {
        tiedExponents ? [p[0], p[1], p[2], p[3], p[3], p[4], p[5]] : p
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        var g = [Double](repeating: 0, count: p.count)
        return value(p, at: x, gradient: &g)
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        guard tiedExponents else { return untiedValue(p, at: x, gradient: &g) }
        var full = [Double](repeating: 0, count: 7)
        let L = untiedValue(untied(p), at: x, gradient: &full)
        g[0] = full[0]; g[1] = full[1]; g[2] = full[2]
        g[3] = full[3] + full[4]                    // ∂L/∂α with β = α
        g[4] = full[5]; g[5] = full[6]
        return L
    }

    /// Effective size `X' = U + U·R*·(1 − e^(−R/R*))` with `R = X/U − 1`, and its derivatives
    /// with respect to `U` (holding X) and to `R*`. For `X ≤ U`, `X' = X`.
    @inline(__always)
    public static func effective(_ X: Double, unique U: Double, decay Rstar: Double)
        -> (value: Double, dU: Double, dRstar: Double, dX: Double) {
        guard X > U else { return (X, 0, 0, 1) }
        let R = X / U - 1
        let t = R / Rstar
        let e = _exp(-t)
        let oneMinus = -_expm1(-t)                 // 1 − e^(−t), accurate for small t
        let value = U + U * Rstar * oneMinus
        let dU = 1 + Rstar * oneMinus - (X / U) * e // ∂/∂U at fixed X
        let dRstar = U * (oneMinus - t * e)
        let dX = e                                 // ∂/∂X = U·R*·e^(−t)·(1/(U·R*))
        return (value, dU, dRstar, dX)
    }

    private func untiedValue(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let (E, A, B, alpha, beta, RDs, RNs) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
        // Tokens: D' from D and U.
        let d = Self.effective(x.D, unique: x.U, decay: RDs)
        // Parameters: U_N = min(N, N_opt(U)), log N_opt(U) = (1/α)·log(αA/(βB)) + (β/α)·log U.
        let logK = _log(alpha * A / (beta * B))
        let logU = _log(x.U)
        let logNopt = logK / alpha + (beta / alpha) * logU
        let Nopt = _exp(logNopt)
        let capped = x.N > Nopt
        let UN = capped ? Nopt : x.N
        let n = Self.effective(x.N, unique: UN, decay: RNs)
        let tn = _pow(n.value, -alpha)
        let td = _pow(d.value, -beta)
        let L = E + A * tn + B * td
        // ∂L/∂N' and ∂L/∂D'.
        let dLdNp = -alpha * A * tn / n.value
        let dLdDp = -beta * B * td / d.value
        // ∂U_N/∂θ through N_opt when capped: ∂N_opt/∂θ = N_opt·∂logNopt/∂θ.
        var dLogNopt = (A: 0.0, B: 0.0, alpha: 0.0, beta: 0.0)
        if capped {
            dLogNopt.A = 1 / (alpha * A)
            dLogNopt.B = -1 / (alpha * B)
            dLogNopt.alpha = -logK / (alpha * alpha) + 1 / (alpha * alpha) - beta * logU / (alpha * alpha)
            dLogNopt.beta = -1 / (alpha * beta) + logU / alpha
        }
        let viaUN = dLdNp * n.dU * Nopt           // ∂L/∂logNopt
        g[0] = 1
        g[1] = tn + viaUN * dLogNopt.A
        g[2] = td + viaUN * dLogNopt.B
        g[3] = -A * tn * _log(n.value) + viaUN * dLogNopt.alpha
        g[4] = -B * td * _log(d.value) + viaUN * dLogNopt.beta
        g[5] = dLdDp * d.dRstar
        g[6] = dLdNp * n.dRstar
        return L
    }
}
