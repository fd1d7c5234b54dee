/// Chinchilla's law with tied exponents written in compute and tokens per parameter, the form
/// Gadre et al. 2024 fit to over-trained runs (arXiv:2403.08540, Eq. 4):
///
/// ```
/// M = D/N          tokens per parameter
/// C = 6·N·D        training FLOPs, so N = √(C/(6M)) and D = √(C·M/6)
/// L(C, M) = E + (a·M^η + b·M^−η)·C^−η
/// η = α/2,  a = A·6^η,  b = B·6^η
/// ```
///
/// It is the same function as `L = E + A/N^α + B/D^α` (`ChinchillaLaw(tiedExponents: true)`):
/// `A/N^α = A·(C/(6M))^(−η) = A·6^η·M^η·C^(−η)`, and likewise for the data term. At a fixed
/// budget the loss is least at `M* = (b/a)^(1/(2η)) = (B/A)^(1/α)` tokens per parameter,
/// whatever the budget.
public struct OvertrainingParameters: Sendable, Codable, Equatable, Hashable {
    /// The irreducible loss, as in the (N, D) form.
    public var E: Double
    /// The coefficient of `M^η·C^−η` (the parameter-limited term): `a = A·6^η`.
    public var a: Double
    /// The coefficient of `M^−η·C^−η` (the data-limited term): `b = B·6^η`.
    public var b: Double
    /// The compute exponent `η = α/2`.
    public var eta: Double

    /// The four constants of the (C, M) form.
    public init(E: Double, a: Double, b: Double, eta: Double) {
        self.E = E
        self.a = a
        self.b = b
        self.eta = eta
    }

    /// The (C, M) form of a tied Chinchilla law (E, A, B, α; a `ChinchillaParameters` whose β
    /// equals its α). Nil when β differs from α: the form exists only with tied exponents.
    public init?(_ p: ChinchillaParameters) {
        guard p.alpha == p.beta else { return nil }
        let eta = p.alpha / 2
        let scale = _pow(6, eta)
        self.init(E: p.E, a: p.A * scale, b: p.B * scale, eta: eta)
    }

    /// The (N, D) form's constants: `A = a·6^−η`, `B = b·6^−η`, `α = β = 2η`.
    public var chinchilla: ChinchillaParameters {
        let scale = _pow(6, -eta)
        return ChinchillaParameters(E: E, A: a * scale, B: b * scale, alpha: 2 * eta, beta: 2 * eta)
    }

    /// `L(C, M) = E + (a·M^η + b·M^−η)·C^−η`.
    public func loss(compute C: Double, tokensPerParameter M: Double) -> Double {
        E + (a * _pow(M, eta) + b * _pow(M, -eta)) * _pow(C, -eta)
    }

    /// The tokens per parameter that minimize the loss at any budget: `M* = (b/a)^(1/(2η))`.
    public var optimalTokensPerParameter: Double { _pow(b / a, 1 / (2 * eta)) }

    /// The constants by name, as the fit report's JSON writes them: `E`, `a`, `b`, `eta`.
    public var named: [String: Double] { ["E": E, "a": a, "b": b, "eta": eta] }

    /// The form as one line for people.
    public static let formula = "L(C, M) = E + (a*M^eta + b*M^-eta)*C^-eta, M = D/N, C = 6ND"
}
