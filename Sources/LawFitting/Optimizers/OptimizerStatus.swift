/// How an optimizer stopped. Not converging is not an error: the result says so.
///
/// One vocabulary for both optimizers (L-BFGS and Levenberg–Marquardt): the case names and the
/// strings written to JSON (`rawValue`) say the same thing. Converged by gradient, by objective
/// change or by step; the iteration limit; no trial step decreased the objective (L-BFGS's line
/// search or LM's damping gave up); a non-finite objective at the start point.
public enum OptimizerStatus: String, Sendable, Codable, Equatable, CaseIterable {
    /// The gradient's largest component fell below the tolerance.
    case convergedGradient = "converged-gradient"
    /// The relative decrease of the objective fell below the tolerance.
    case convergedObjective = "converged-objective"
    /// The step became smaller than the tolerance relative to the parameters.
    case convergedStep = "converged-step"
    /// The iteration limit was reached first.
    case maxIterations = "max-iterations"
    /// No trial step decreased the objective: L-BFGS's line search found no step satisfying the
    /// Wolfe conditions, or Levenberg–Marquardt raised its damping to the limit without a decrease.
    /// (Earlier builds wrote "line-search-failed"; that string still decodes to this case.)
    case noDecrease = "no-decrease"
    /// The objective (or its gradient/Jacobian) was not finite at the start point.
    case nonFiniteStart = "non-finite-start"

    /// Reads the current strings and the one renamed ("line-search-failed" → "no-decrease").
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        if raw == "line-search-failed" { self = .noDecrease; return }
        guard let status = OptimizerStatus(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "unknown optimizer status '\(raw)'; expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        self = status
    }

    /// Whether this counts as a converged start.
    public var isConverged: Bool {
        switch self {
        case .convergedGradient, .convergedObjective, .convergedStep: true
        case .maxIterations, .noDecrease, .nonFiniteStart: false
        }
    }

    /// A sentence for people.
    public var message: String {
        switch self {
        case .convergedGradient: "converged: gradient below tolerance"
        case .convergedObjective: "converged: relative change of the objective below tolerance"
        case .convergedStep: "converged: step below tolerance"
        case .maxIterations: "did not converge: iteration limit reached (raise it or check the data)"
        case .noDecrease: "did not converge: no trial step decreased the objective (it may be non-smooth here, or its gradient wrong)"
        case .nonFiniteStart: "did not start: the objective is not finite at the start point"
        }
    }
}

/// The outcome of one local minimization.
public struct OptimizerResult: Sendable, Equatable {
    public var x: [Double]
    public var value: Double
    public var iterations: Int
    public var evaluations: Int
    public var status: OptimizerStatus
}
