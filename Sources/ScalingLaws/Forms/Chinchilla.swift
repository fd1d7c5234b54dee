/// Chinchilla's parametric loss: `L(N, D) = E + A/N^α + B/D^β`.
///
/// Hoffmann et al. 2022, arXiv:2203.15556, Eq. 2 (approach 3). N counts all parameters.
/// Fitted as `log L = LSE(a − α·log N, b − β·log D, e)` with `A = e^a`, `B = e^b`, `E = e^e`,
/// Huber δ = 1e-3 summed over points, L-BFGS from a 4,500-point grid.
public struct ChinchillaLaw: LawFormula {
    public init() {}

    public var identifier: String { "chinchilla" }
    public var formula: String { "L = E + A/N^alpha + B/D^beta" }
    public var variables: [ScaleVariable] { [.parameters, .tokens] }
    public var defaultObjective: FitObjectiveKind { .huber }

    /// The grid of docs/science.md, §Fitting: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}.
    public var parameters: [ParameterSpec] {
        let exponents = stride(from: 0.0, through: 2.0, by: 0.5).map { $0 }
        let scales = stride(from: 0.0, through: 25.0, by: 5.0).map { $0 }
        return [
            ParameterSpec("E", range: 0...Double.infinity, scale: .logarithmic,
                          startGrid: stride(from: -1.0, through: 1.0, by: 0.5).map { $0 }),
            ParameterSpec("A", range: 0...Double.infinity, scale: .logarithmic, startGrid: scales),
            ParameterSpec("B", range: 0...Double.infinity, scale: .logarithmic, startGrid: scales),
            ParameterSpec("alpha", range: 0...10, scale: .linear, startGrid: exponents),
            ParameterSpec("beta", range: 0...10, scale: .linear, startGrid: exponents),
        ]
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        p[0] + p[1] * _pow(x.N, -p[3]) + p[2] * _pow(x.D, -p[4])
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let tn = _pow(x.N, -p[3])          // N^-α
        let td = _pow(x.D, -p[4])          // D^-β
        g[0] = 1
        g[1] = tn
        g[2] = td
        g[3] = -p[1] * tn * _log(x.N)
        g[4] = -p[2] * td * _log(x.D)
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

    /// From the parameter vector of `ChinchillaLaw` (E, A, B, alpha, beta).
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
