/// How an optimizer stopped. Not converging is not an error: the result says so.
public enum OptimizerStatus: String, Sendable, Codable, Equatable {
    /// The projected gradient's largest component fell below the tolerance.
    case gradientTolerance = "converged-gradient"
    /// The relative decrease of the objective fell below the tolerance.
    case functionTolerance = "converged-objective"
    /// The step became smaller than the tolerance relative to the parameters.
    case stepTolerance = "converged-step"
    /// The iteration limit was reached first.
    case maxIterations = "max-iterations"
    /// No step along the search direction decreased the objective enough.
    case lineSearchFailed = "line-search-failed"
    /// The objective was not finite at the start point.
    case nonFiniteStart = "non-finite-start"

    /// Whether this counts as a converged start.
    public var isConverged: Bool {
        switch self {
        case .gradientTolerance, .functionTolerance, .stepTolerance: true
        case .maxIterations, .lineSearchFailed, .nonFiniteStart: false
        }
    }

    /// A sentence for people.
    public var message: String {
        switch self {
        case .gradientTolerance: "converged: gradient below tolerance"
        case .functionTolerance: "converged: relative change of the objective below tolerance"
        case .stepTolerance: "converged: step below tolerance"
        case .maxIterations: "did not converge: iteration limit reached (raise it or check the data)"
        case .lineSearchFailed: "did not converge: the line search found no decrease (objective may be non-smooth here)"
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
