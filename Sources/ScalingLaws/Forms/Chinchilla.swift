/// Chinchilla's parametric loss: `L(N, D) = E + A/N^α + B/D^β`.
///
/// Hoffmann et al. 2022, arXiv:2203.15556, Eq. 2 (approach 3). N counts all parameters.
/// Fitted as `log L = LSE(a − α·log N, b − β·log D, e)` with `A = e^a`, `B = e^b`, `E = e^e`,
/// Huber δ = 1e-3 summed over points, L-BFGS from a 4,500-point grid.
///
/// With `tiedExponents` (`chinchilla-tied`) β is not a free parameter but equal to α:
/// `L = E + A/N^α + B/D^α`, the vector is E, A, B, alpha, and the grid has 900 starts. That is the
/// law Gadre et al. 2024 (arXiv:2403.08540) fit and write in compute and tokens per parameter
/// (`OvertrainingParameters`).
public struct ChinchillaLaw: LawFormula {
    /// Whether β is tied to α (four parameters instead of five).
    public var tiedExponents: Bool

    /// The law with five free parameters, or with β tied to α.
    public init(tiedExponents: Bool = false) { self.tiedExponents = tiedExponents }

    public var identifier: String { tiedExponents ? "chinchilla-tied" : "chinchilla" }
    public var formula: String { tiedExponents ? "L = E + A/N^alpha + B/D^alpha" : "L = E + A/N^alpha + B/D^beta" }
    public var variables: [ScaleVariable] { [.parameters, .tokens] }
    public var defaultObjective: FitObjectiveKind { .huber }

    /// The grid of docs/science.md, §Fitting: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}.
    public var parameters: [ParameterSpec] {
        let exponents = stride(from: 0.0, through: 2.0, by: 0.5).map { $0 }
        let scales = stride(from: 0.0, through: 25.0, by: 5.0).map { $0 }
        let all = [
            ParameterSpec("E", range: 0...Double.infinity, scale: .logarithmic,
                          startGrid: stride(from: -1.0, through: 1.0, by: 0.5).map { $0 }),
            ParameterSpec("A", range: 0...Double.infinity, scale: .logarithmic, startGrid: scales),
            ParameterSpec("B", range: 0...Double.infinity, scale: .logarithmic, startGrid: scales),
            ParameterSpec("alpha", range: 0...10, scale: .linear, startGrid: exponents),
            ParameterSpec("beta", range: 0...10, scale: .linear, startGrid: exponents),
        ]
        return tiedExponents ? Array(all.prefix(4)) : all
    }

    /// The five-parameter vector E, A, B, alpha, beta (β = α inserted when tied).
    @inline(__always) public func untied(_ p: [Double]) -> [Double] {
        tiedExponents ? [p[0], p[1], p[2], p[3], p[3]] : p
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        let beta = tiedExponents ? p[3] : p[4]
        return p[0] + p[1] * _pow(x.N, -p[3]) + p[2] * _pow(x.D, -beta)
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let beta = tiedExponents ? p[3] : p[4]
        let tn = _pow(x.N, -p[3])          // N^-α
        let td = _pow(x.D, -beta)          // D^-β
        let dAlpha = -p[1] * tn * _log(x.N)
        let dBeta = -p[2] * td * _log(x.D)
        g[0] = 1
        g[1] = tn
        g[2] = td
        if tiedExponents {
            g[3] = dAlpha + dBeta           // ∂L/∂α with β = α
        } else {
            g[3] = dAlpha
            g[4] = dBeta
        }
        return p[0] + p[1] * tn + p[2] * td
    }
}

/// The five Chinchilla constants as a value, with the closed-form compute-optimal allocation.
public struct ChinchillaParameters: Sendable, Codable, Equatable, Hashable {
    public var E: Double
    public var A: Double
    public var B: Double
    public var alpha: Double
    public var beta: Double

    public init(E: Double, A: Double, B: Double, alpha: Double, beta: Double) {
        self.E = E
        self.A = A
        self.B = B
        self.alpha = alpha
        self.beta = beta
    }

    /// From the parameter vector of the untied `ChinchillaLaw` (E, A, B, alpha, beta).
    public init(_ p: [Double]) {
        precondition(p.count >= 5, "Chinchilla needs 5 parameters, got \(p.count)")
        self.init(E: p[0], A: p[1], B: p[2], alpha: p[3], beta: p[4])
    }

    public var vector: [Double] { [E, A, B, alpha, beta] }

    /// `L(N, D) = E + A/N^α + B/D^β`.
    public func loss(parameters N: Double, tokens D: Double) -> Double {
        E + A * _pow(N, -alpha) + B * _pow(D, -beta)
    }

    /// `a = β/(α+β)`: the exponent of N_opt ∝ C^a.
    public var a: Double { beta / (alpha + beta) }
    /// `b = α/(α+β)`: the exponent of D_opt ∝ C^b.
    public var b: Double { alpha / (alpha + beta) }
    /// `G = (α·A/(β·B))^(1/(α+β))`.
    public var G: Double { _pow(alpha * A / (beta * B), 1 / (alpha + beta)) }

    /// Compute-optimal parameters under C = 6·N·D: `N_opt(C) = G·(C/6)^a`.
    public func optimalParameters(compute C: Double) -> Double { G * _pow(C / 6, a) }
    /// Compute-optimal tokens under C = 6·N·D: `D_opt(C) = (C/6)^b / G`.
    public func optimalTokens(compute C: Double) -> Double { _pow(C / 6, b) / G }
    /// The loss of the compute-optimal model at budget C.
    public func optimalLoss(compute C: Double) -> Double {
        loss(parameters: optimalParameters(compute: C), tokens: optimalTokens(compute: C))
    }
    /// The model size that is compute-optimal for a data budget D: `N_opt(D) = G·(D·G)^(β/α)`.
    public func optimalParameters(tokens D: Double) -> Double { G * _pow(D * G, beta / alpha) }
}

extension ChinchillaParameters {
    /// The Chinchilla constants of a law of Chinchilla's form, tied or not, or of the
    /// data-constrained form (which reduces to Chinchilla's with unlimited unique data); a tied
    /// law has β = α. Nil for other forms.
    public init?(_ law: Law) {
        if let c = law.formula as? ChinchillaLaw {
            self.init(c.untied(law.parameters))
        } else if let d = law.formula as? DataConstrainedLaw {
            self.init(d.untied(law.parameters))
        } else {
            return nil
        }
    }
}
