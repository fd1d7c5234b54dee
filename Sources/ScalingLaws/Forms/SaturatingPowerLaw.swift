/// Saturating power law in one variable: `L(x) = E + A·x^(−α)`.
///
/// `x` is N, D or C; `E` is the irreducible loss (the entropy of the data). Fitted in log space
/// with `e = log E`, `a = log A` (Kaplan et al. 2020, arXiv:2001.08361, §1.2; Hoffmann et al.
/// 2022, arXiv:2203.15556, Eq. 2 restricted to one variable).
public struct SaturatingPowerLaw: LawFormula {
    public var variable: ScaleVariable

    public init(variable: ScaleVariable) { self.variable = variable }

    public var identifier: String { "power-\(variable.symbol.lowercased())" }
    public var formula: String { "L = E + A/\(variable.symbol)^alpha" }
    public var variables: [ScaleVariable] { [variable] }
    public var defaultObjective: FitObjectiveKind { .huber }

    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("E", range: 0...Double.infinity, scale: .logarithmic, startGrid: [-1, -0.5, 0, 0.5, 1]),
            ParameterSpec("A", range: 0...Double.infinity, scale: .logarithmic, startGrid: [0, 5, 10, 15, 20, 25]),
            ParameterSpec("alpha", range: 0...10, scale: .linear, startGrid: [0, 0.25, 0.5, 1, 1.5, 2]),
        ]
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        p[0] + p[1] * _pow(x[variable], -p[2])
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let v = x[variable]
        let t = _pow(v, -p[2])           // x^-α
        g[0] = 1                          // ∂L/∂E
        g[1] = t                          // ∂L/∂A
        g[2] = -p[1] * t * _log(v)        // ∂L/∂α
        return p[0] + p[1] * t
    }
}
