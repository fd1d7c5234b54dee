/// Broken neural scaling law with any number of breaks (Caballero et al. 2022, arXiv:2210.14891, Eq. 1):
///
/// `y = a + b·x^(−c0) · Π_{i=1..n} (1 + (x/d_i)^(1/f_i))^(−c_i·f_i)`
///
/// Smooth breaks between power-law segments; a break with large `c_i` captures a sharp,
/// "emergent" drop. Parameters: a, b, c0, then c_i, d_i, f_i for each break.
public struct BrokenPowerLaw: LawFormula {
    public var variable: ScaleVariable
    public var breaks: Int

    public init(variable: ScaleVariable = .tokens, breaks: Int = 1) {
        precondition(breaks >= 0, "a broken power law needs a non-negative number of breaks, got \(breaks)")
        self.variable = variable
        self.breaks = breaks
    }

    public var identifier: String { breaks == 1 ? "bnsl" : "bnsl-\(breaks)" }
    public var formula: String {
        "y = a + b*x^-c0 * prod_i (1 + (x/d_i)^(1/f_i))^(-c_i*f_i), x = \(variable.symbol), \(breaks) break(s)"
    }
    public var variables: [ScaleVariable] { [variable] }
    public var defaultObjective: FitObjectiveKind { .leastSquares }

    public var parameters: [ParameterSpec] {
        var specs = [
            ParameterSpec("a", range: 0...Double.infinity, scale: .logarithmic, startGrid: [-6, -2, 0]),
            ParameterSpec("b", range: 0...Double.infinity, scale: .logarithmic, startGrid: [-2, 0, 2]),
            ParameterSpec("c0", range: -10...10, scale: .linear, startGrid: [0, 0.1, 0.5]),
        ]
        for i in 1...max(breaks, 1) where breaks > 0 {
            specs.append(ParameterSpec("c\(i)", range: -50...50, scale: .linear, startGrid: [0.5, 2, 8]))
            specs.append(ParameterSpec("d\(i)", range: 0...Double.infinity, scale: .logarithmic,
                                       startGrid: [2, 4, 6, 8, 10, 12, 16, 20]))
            specs.append(ParameterSpec("f\(i)", range: 0...Double.infinity, scale: .logarithmic,
                                       startGrid: [-3, -1, 0.5]))
        }
        return specs
    }

    public func value(_ p: [Double], at x: LawInput) -> Double {
        let lx = _log(x[variable])
        var logP = _log(p[1]) - p[2] * lx
        for i in 0..<breaks {
            let (c, d, f) = (p[3 + 3 * i], p[4 + 3 * i], p[5 + 3 * i])
            logP -= c * f * softplus((lx - _log(d)) / f)   // log(1 + q), q = (x/d)^(1/f)
        }
        return p[0] + _exp(logP)
    }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        let lx = _log(x[variable])
        var logP = _log(p[1]) - p[2] * lx
        for i in 0..<breaks {
            let (c, d, f) = (p[3 + 3 * i], p[4 + 3 * i], p[5 + 3 * i])
            let z = (lx - _log(d)) / f                     // log q
            let sp = softplus(z)                           // log(1 + q)
            let w = logistic(z)                            // q/(1 + q)
            logP -= c * f * sp
            g[3 + 3 * i] = -f * sp                         // ∂logP/∂c_i
            g[4 + 3 * i] = c * w / d                       // ∂logP/∂d_i
            g[5 + 3 * i] = -c * sp + c * w * z             // ∂logP/∂f_i
        }
        let P = _exp(logP)
        g[0] = 1
        g[1] = P / p[1]
        g[2] = -P * lx
        for j in 3..<(3 + 3 * breaks) { g[j] *= P }
        return p[0] + P
    }
}
