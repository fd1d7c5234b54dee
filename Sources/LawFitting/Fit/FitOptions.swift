import ScalingLaws

/// How to fit a law. Every default follows docs/science.md, §Fitting.
public struct FitOptions: Sendable {
    /// Huber or least squares in log space; nil takes the form's `defaultObjective`.
    public var objective: FitObjectiveKind?
    /// Huber's δ. 1e-3 as in Hoffmann et al. 2022 (arXiv:2203.15556, §3.3).
    public var huberDelta = 1e-3
    /// Replace a parameter's start values (fitting space: the log for logarithmic parameters),
    /// keyed by `fittingName(of:)`, e.g. `["alpha": [0, 0.5, 1], "log_A": [0, 10, 20]]`.
    public var grid: [String: [Double]] = [:]
    /// Extra start points in fitting space, tried besides the grid.
    public var extraStarts: [[Double]] = []
    /// Threads for the starts. Default: all cores.
    public var threads = defaultThreadCount
    /// How many of the best starts to summarize in the spread.
    public var spreadCount = 10
    public var lbfgs = LBFGS()
    /// Two-phase multi-start: every start runs with this relative objective tolerance (about
    /// scipy L-BFGS-B's default stopping point for objectives of order 1e-3), then the best
    /// `spreadCount` are polished with `lbfgs`'s strict tolerance. Nil runs every start strictly.
    public var screeningTolerance: Double? = 1e-6
    /// With more points than this, the screening phase runs on this many of them (a fixed,
    /// seeded sample drawn without replacement) and only the polish sees every point: the cost
    /// of thousands of starts stops growing with the data, and the polish, from the best
    /// screened starts, finds the full data's optimum. Nil screens on every point.
    public var screeningSample: Int? = 2_000
    /// Early rejection of hopeless starts for Levenberg–Marquardt (the least-squares laws:
    /// Kaplan's and the broken power law), in rounds: with more starts than `spreadCount`, every
    /// start runs this many iterations; the best `1/screeningReduction` of those still moving run
    /// as many again from where they stopped, and so on until `spreadCount` are left, which the
    /// polish takes to `levenbergMarquardt`'s own limits. A start far from every good minimum is
    /// dropped after a few iterations instead of crawling along a flat valley for a hundred.
    /// Nil (`--screening-iterations 0`) runs every start to the end, as before.
    public var screeningIterations: Int? = 20
    /// Each round of early rejection keeps the best `1/screeningReduction` of the starts (at
    /// least `spreadCount`): 1,944 starts go on as 486, 122, 31, then the best 10 are polished.
    /// Values below 2 count as 2.
    public var screeningReduction = 4
    public var levenbergMarquardt = LevenbergMarquardt()

    public init() {}

    /// The options of the screening phase for `starts` starts: the looser tolerance and the
    /// iteration limit, when they apply.
    func screening(starts: Int) -> FitOptions {
        var o = self
        guard starts > spreadCount else { return o }
        if let tolerance = screeningTolerance {
            o.lbfgs.functionTolerance = max(tolerance, lbfgs.functionTolerance)
        }
        if let iterations = screeningIterations {
            o.levenbergMarquardt.maxIterations = min(iterations, levenbergMarquardt.maxIterations)
        }
        return o
    }

    /// Whether the screening phase for `starts` starts differs from a full fit, so that the best
    /// screened starts must be polished.
    func screens(starts: Int, kind: FitObjectiveKind) -> Bool {
        let screening = screening(starts: starts)
        switch kind {
        case .huber: return screening.lbfgs.functionTolerance != lbfgs.functionTolerance
        case .leastSquares, .leastSquaresLoss:
            return screening.levenbergMarquardt.maxIterations != levenbergMarquardt.maxIterations
        }
    }

    /// The points the screening phase fits: all of them, or `screeningSample` of them when
    /// there are more (and more starts than are polished).
    func screeningData(_ data: FitData, starts: Int) -> FitData {
        guard let size = screeningSample, data.count > size, starts > spreadCount else { return data }
        // A partial Fisher–Yates shuffle with a fixed seed: the same sample on every run.
        var order = Array(0..<data.count)
        var rng = SplitMix64(seed: 0x5C12_EE17)
        for i in 0..<size { order.swapAt(i, Int.random(in: i..<data.count, using: &rng)) }
        return data.subset(Array(order[..<size]).sorted())
    }

    /// The name a parameter has in fitting space: `log_A` for a logarithmic `A`, `alpha` as is.
    public static func fittingName(of spec: ParameterSpec) -> String {
        spec.scale == .logarithmic ? "log_\(spec.name)" : spec.name
    }

    /// The start points: the Cartesian product of each parameter's grid (overridden by `grid`),
    /// followed by `extraStarts`.
    public func startPoints(for formula: any LawFormula) throws -> [[Double]] {
        try startPoints(for: formula, thinned: false)
    }

    /// `startPoints(for:)` with every parameter's grid thinned to at most three values, its
    /// first, middle and last (approach 3's 4,500 starts become 243): the same box, coarsely.
    public func coarseStartPoints(for formula: any LawFormula) throws -> [[Double]] {
        try startPoints(for: formula, thinned: true)
    }

    private func startPoints(for formula: any LawFormula, thinned: Bool) throws -> [[Double]] {
        let specs = formula.parameters
        let known = Set(specs.map(Self.fittingName(of:)))
        if let unknown = grid.keys.sorted().first(where: { !known.contains($0) }) {
            throw FitError.unknownGridParameter(unknown, law: formula.identifier, known: specs.map(Self.fittingName(of:)))
        }
        let axes = specs.map { spec in
            let axis = grid[Self.fittingName(of: spec)] ?? spec.startGrid
            guard thinned, axis.count > 3 else { return axis }
            return [axis[0], axis[(axis.count - 1) / 2], axis[axis.count - 1]]
        }
        var points: [[Double]] = [[]]
        for axis in axes {
            points = points.flatMap { prefix in axis.map { prefix + [$0] } }
        }
        for extra in extraStarts where extra.count != specs.count {
            throw FitError.badStart(extra, law: formula.identifier, expected: specs.count)
        }
        return points + extraStarts
    }
}

/// Why a fit could not be attempted. (A fit that ran but did not converge is a result, not an error.)
public enum FitError: Error, Equatable, CustomStringConvertible {
    case tooFewPoints(law: String, parameters: Int, points: Int)
    case missingVariable(law: String, variable: ScaleVariable, row: Int)
    case unknownGridParameter(String, law: String, known: [String])
    case badStart([Double], law: String, expected: Int)
    case noConvergedStart(law: String)
    case holdoutTooLarge(holdout: Int, points: Int, parameters: Int)
    case badOption(String)

    public var description: String {
        switch self {
        case let .tooFewPoints(law, k, n):
            "law \(law) has \(k) parameters but only \(n) usable data points; need at least \(k + 1) — add runs or choose a law with fewer parameters"
        case let .missingVariable(law, variable, row):
            "law \(law) needs \(variable.symbol) but data point \(row + 1) has none — add the column or choose another law"
        case let .unknownGridParameter(name, law, known):
            "law \(law) has no fitting parameter '\(name)'; its parameters are \(known.joined(separator: ", "))"
        case let .badStart(start, law, expected):
            "a start point for \(law) must have \(expected) values, got \(start.count)"
        case let .noConvergedStart(law):
            "no start of \(law) gave a finite objective; check that the data fit this law"
        case let .holdoutTooLarge(k, n, p):
            "holding out \(k) of \(n) points leaves \(n - k), too few for \(p) parameters; hold out fewer"
        case let .badOption(message):
            message
        }
    }
}
