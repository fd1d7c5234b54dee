/// A law of one variable for a downstream task metric: `y = f(x; p)`, where `x` is a loss (the
/// task's bits per byte, or the validation loss) for the loss-to-metric laws, or `ln C` for the
/// direct compute-to-metric sigmoid.
///
/// The smooth metric against N and D (a task's loss or bits per byte) needs no form of its own:
/// it is Chinchilla's `E + A/N^α + B/D^β` (`ChinchillaLaw`), or `SaturatingPowerLaw` in one
/// variable. Each parameter's `range` is the box the fitter keeps it in; its `startGrid` (natural
/// values: these forms are fitted as they are, never in logarithms) the starts of a multi-start fit.
public protocol TaskMetricFormula: Sendable {
    /// Identifier, e.g. `sigmoid-loss`.
    var identifier: String { get }
    /// A one-line formula for people.
    var formula: String { get }
    /// The parameters, in the order `value` and `gradient` use.
    var parameters: [ParameterSpec] { get }
    /// `f(x; p)`.
    func value(_ p: [Double], at x: Double) -> Double
    /// `f(x; p)`, and `∂f/∂p_j` written into `gradient` (which has `parameters.count` entries).
    func value(_ p: [Double], at x: Double, gradient: inout [Double]) -> Double
}

extension TaskMetricFormula {
    /// The parameter names, in order.
    public var parameterNames: [String] { parameters.map(\.name) }
    /// The lower bound of each parameter.
    public var lowerBounds: [Double] { parameters.map(\.range.lowerBound) }
    /// The upper bound of each parameter.
    public var upperBounds: [Double] { parameters.map(\.range.upperBound) }
}

/// Accuracy as a sigmoid of a loss: `Acc(L) = a/(1 + e^(−k(L − L0))) + b`.
///
/// The OLMo ladder's step 2 (Bhagia et al. 2024, arXiv:2412.04403, Eq. 2), the shape Llama 3 uses
/// from a task's negative log-likelihood to its accuracy. With `a ≤ 0` and `k ≥ 0` accuracy falls
/// as the loss grows: `b` is the accuracy at zero loss's side (the ceiling), `a + b` the floor
/// (about chance), `L0` the midpoint and `k` the steepness. The parameters are, in order, a, L0,
/// k, b, with the paper's bounds a ∈ [−1, 0], L0 ≥ 0, k ≥ 0, b ∈ [0, 1].
public struct SigmoidOfLoss: TaskMetricFormula {
    /// The form; it has no options.
    public init() {}

    /// `sigmoid-loss`.
    public var identifier: String { "sigmoid-loss" }
    /// `Acc = a/(1 + exp(-k(L - L0))) + b`.
    public var formula: String { "Acc = a/(1 + exp(-k(L - L0))) + b" }

    /// a ∈ [−1, 0], L0 ∈ [0, 10], k ∈ [0, 100], b ∈ [0, 1], with a small grid of starts.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("a", range: -1...0, scale: .linear, startGrid: [-0.8, -0.5]),
            ParameterSpec("L0", range: 0...10, scale: .linear, startGrid: [0.5, 1, 2]),
            ParameterSpec("k", range: 0...100, scale: .linear, startGrid: [1, 3, 10]),
            ParameterSpec("b", range: 0...1, scale: .linear, startGrid: [0.7, 1]),
        ]
    }

    /// The accuracy at loss `x`.
    public func value(_ p: [Double], at x: Double) -> Double {
        p[0] * logistic(p[2] * (x - p[1])) + p[3]
    }

    /// The accuracy at loss `x` and its gradient in a, L0, k, b.
    public func value(_ p: [Double], at x: Double, gradient g: inout [Double]) -> Double {
        let s = logistic(p[2] * (x - p[1]))
        let ds = s * (1 - s)                   // σ'(z)
        g[0] = s                               // ∂/∂a
        g[1] = -p[0] * ds * p[2]               // ∂/∂L0
        g[2] = p[0] * ds * (x - p[1])          // ∂/∂k
        g[3] = 1                               // ∂/∂b
        return p[0] * s + p[3]
    }
}

/// Error as an exponential of a loss: `Err(L) = ε − k·e^(−γ·L)`.
///
/// Gadre et al. 2024 (arXiv:2403.08540, Eq. 5): the top-1 error averaged over tasks against the
/// C4 loss. `ε` is the error as the loss grows without bound (chance), `k` how far below it the
/// error would be at zero loss, `γ` the rate. Parameters ε, k, gamma: ε ∈ [0, 1], k ≥ 0, γ ≥ 0.
public struct ExponentialOfLoss: TaskMetricFormula {
    /// The form; it has no options.
    public init() {}

    /// `exponential-loss`.
    public var identifier: String { "exponential-loss" }
    /// `Err = epsilon - k*exp(-gamma*L)`.
    public var formula: String { "Err = epsilon - k*exp(-gamma*L)" }

    /// ε ∈ [0, 1], k ∈ [0, 1000], γ ∈ [0, 100], with a small grid of starts.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("epsilon", range: 0...1, scale: .linear, startGrid: [0.5, 0.8, 1]),
            ParameterSpec("k", range: 0...1000, scale: .linear, startGrid: [1, 10, 100]),
            ParameterSpec("gamma", range: 0...100, scale: .linear, startGrid: [0.5, 1, 2, 4]),
        ]
    }

    /// The error at loss `x`.
    public func value(_ p: [Double], at x: Double) -> Double {
        p[0] - p[1] * _exp(-p[2] * x)
    }

    /// The error at loss `x` and its gradient in ε, k, γ.
    public func value(_ p: [Double], at x: Double, gradient g: inout [Double]) -> Double {
        let e = _exp(-p[2] * x)
        g[0] = 1
        g[1] = -e
        g[2] = p[1] * x * e
        return p[0] - p[1] * e
    }
}

/// Accuracy as a rising sigmoid of `x = ln C` (training FLOPs): `Acc(C) = a/(1 + e^(−k(ln C − c0))) + b`.
///
/// The direct, one-step fit from compute to a task metric, set beside the two-step forecast
/// (compute → loss → metric) for comparison. `b` is the floor (about chance), `a + b` the ceiling,
/// `c0` the `ln C` of the midpoint, `k` the steepness per e-fold of compute. Parameters a, c0, k,
/// b: a ∈ [0, 1], c0 ∈ [0, 200], k ∈ [0, 100], b ∈ [0, 1].
public struct SigmoidOfLogCompute: TaskMetricFormula {
    /// The form; it has no options.
    public init() {}

    /// `sigmoid-log-compute`.
    public var identifier: String { "sigmoid-log-compute" }
    /// `Acc = a/(1 + exp(-k(ln C - c0))) + b`.
    public var formula: String { "Acc = a/(1 + exp(-k(ln C - c0))) + b" }

    /// a ∈ [0, 1], c0 ∈ [0, 200], k ∈ [0, 100], b ∈ [0, 1], with a grid of starts whose midpoints
    /// span 1e15 to 1e27 FLOPs.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("a", range: 0...1, scale: .linear, startGrid: [0.3, 0.7]),
            ParameterSpec("c0", range: 0...200, scale: .linear, startGrid: [35, 40, 45, 50, 55, 60]),
            ParameterSpec("k", range: 0...100, scale: .linear, startGrid: [0.1, 0.3, 1]),
            ParameterSpec("b", range: 0...1, scale: .linear, startGrid: [0.1, 0.25, 0.5]),
        ]
    }

    /// The accuracy at `x = ln C`.
    public func value(_ p: [Double], at x: Double) -> Double {
        p[0] * logistic(p[2] * (x - p[1])) + p[3]
    }

    /// The accuracy at `x = ln C` and its gradient in a, c0, k, b.
    public func value(_ p: [Double], at x: Double, gradient g: inout [Double]) -> Double {
        let s = logistic(p[2] * (x - p[1]))
        let ds = s * (1 - s)
        g[0] = s
        g[1] = -p[0] * ds * p[2]
        g[2] = p[0] * ds * (x - p[1])
        g[3] = 1
        return p[0] * s + p[3]
    }
}

/// Every task-metric form, by identifier.
public enum TaskMetricForms {
    /// One instance of each form.
    public static let all: [any TaskMetricFormula] = [SigmoidOfLoss(), ExponentialOfLoss(), SigmoidOfLogCompute()]

    /// The identifiers, in order.
    public static var identifiers: [String] { all.map(\.identifier) }

    /// The form with this identifier, or nil.
    public static func named(_ identifier: String) -> (any TaskMetricFormula)? {
        all.first { $0.identifier == identifier.lowercased() }
    }
}
