/// How a parameter is represented while fitting.
public enum ParameterScale: String, Sendable, Codable, Equatable {
    /// Fitted as is.
    case linear
    /// Fitted as its natural logarithm (the parameter must be positive), as Chinchilla's
    /// approach 3 fits `a = log A`, `b = log B`, `e = log E`.
    case logarithmic
}

/// One parameter of a functional form: its name as in docs/science.md, the values it may take,
/// how it is fitted, and the values a multi-start fit tries (in fitting space).
public struct ParameterSpec: Sendable, Equatable {
    public var name: String
    public var range: ClosedRange<Double>
    public var scale: ParameterScale
    /// Start values in fitting space (the logarithm for `.logarithmic` parameters).
    public var startGrid: [Double]

    public init(_ name: String, range: ClosedRange<Double>, scale: ParameterScale, startGrid: [Double]) {
        precondition(!startGrid.isEmpty, "parameter \(name) needs at least one start value")
        self.name = name
        self.range = range
        self.scale = scale
        self.startGrid = startGrid
    }

    /// Fitting-space value → natural value.
    @inlinable public func natural(_ theta: Double) -> Double {
        scale == .logarithmic ? _exp(theta) : theta
    }

    /// Natural value → fitting-space value.
    @inlinable public func fitting(_ value: Double) -> Double {
        scale == .logarithmic ? _log(value) : value
    }
}

/// A functional form of a scaling law: `L = f(x; p)` with named parameters `p`.
///
/// Each form knows its parameters, the variables it reads, its value, and the analytic gradient
/// of its value with respect to its natural parameters. The fitter, the planner, the command
/// line and the tests all evaluate a law through this one implementation.
public protocol LawFormula: Sendable {
    /// Identifier used on the command line, e.g. `chinchilla`.
    var identifier: String { get }
    /// A one-line formula for people, e.g. `L = E + A/N^alpha + B/D^beta`.
    var formula: String { get }
    /// The variables the law reads; every measurement fitted must have them.
    var variables: [ScaleVariable] { get }
    /// The parameters, in the order used by `value` and `gradient`.
    var parameters: [ParameterSpec] { get }
    /// The fitting method the field uses for this form.
    var defaultObjective: FitObjectiveKind { get }

    /// `L(x; p)`.
    func value(_ p: [Double], at x: LawInput) -> Double
    /// `L(x; p)`, and `∂L/∂p_j` written into `gradient` (which has `parameters.count` entries).
    func value(_ p: [Double], at x: LawInput, gradient: inout [Double]) -> Double
}

/// The objective a fit minimizes. `huber` and `least-squares` work on the log residuals
/// `r_i = log L̂_i − log L_i` (a relative error), `least-squares-loss` on the loss itself,
/// `r_i = L̂_i − L_i` (an absolute error, which weighs high-loss points more).
public enum FitObjectiveKind: String, Sendable, Codable, Equatable, CaseIterable {
    /// `Σ Huber_δ(log L̂_i − log L_i)` with δ = 1e-3, minimized by L-BFGS (Chinchilla approach 3; arXiv:2203.15556).
    case huber
    /// `Σ (log L̂_i − log L_i)²`, minimized by Levenberg–Marquardt.
    case leastSquares = "least-squares"
    /// `Σ (L̂_i − L_i)²`, minimized by Levenberg–Marquardt: least squares on the loss itself, as
    /// Gadre et al. 2024 fit their over-training law (arXiv:2403.08540).
    case leastSquaresLoss = "least-squares-loss"
}

extension LawFormula {
    public var parameterNames: [String] { parameters.map(\.name) }

    /// The log of the law and its gradient with respect to the *fitting-space* parameters θ.
    ///
    /// `∂ log L/∂θ_j = (1/L)·∂L/∂p_j·(dp_j/dθ_j)`, with `dp/dθ = p` for logarithmic parameters.
    /// Returns NaN when the law is not positive at `x`.
    public func logValue(fitting theta: [Double], natural p: inout [Double], at x: LawInput,
                         gradient: inout [Double]) -> Double {
        logValue(fitting: theta, natural: &p, at: x, gradient: &gradient, specs: parameters)
    }

    /// `logValue` with the law's `parameters` given: a loop over many points builds them once
    /// (a law's `parameters` is a fresh array of specs on every call, names and grids included).
    public func logValue(fitting theta: [Double], natural p: inout [Double], at x: LawInput,
                         gradient: inout [Double], specs: [ParameterSpec]) -> Double {
        for j in specs.indices { p[j] = specs[j].natural(theta[j]) }
        let L = value(p, at: x, gradient: &gradient)
        guard L > 0, L.isFinite else { return .nan }
        let inv = 1 / L
        for j in specs.indices {
            gradient[j] *= inv
            if specs[j].scale == .logarithmic { gradient[j] *= p[j] }
        }
        return _log(L)
    }

    /// Whether every natural parameter value lies in its valid range.
    public func isValid(_ p: [Double]) -> Bool {
        p.count == parameters.count && zip(p, parameters).allSatisfy { $0.1.range.contains($0.0) && $0.0.isFinite }
    }
}
