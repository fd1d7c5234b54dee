import LawFitting
import ScalingLaws

/// The options of every analysis ScaleLab makes: `scalelab fit`, `scalelab report`, the store
/// analysis of `fit --store` and the demo all fill in this one value, and each option has one
/// default, here (the command line states it in `--help`).
public struct AnalysisOptions: Sendable {
    /// Bootstrap resamples when none is asked for.
    public static let defaultBootstrap = 200
    /// Central mass of every interval when none is asked for.
    public static let defaultLevel = 0.9
    /// Budgets within this |ln C/C'| of each other form one IsoFLOP budget.
    public static let defaultBudgetTolerance = 0.01

    /// The main law (a `LawForms` identifier); nil chooses `chinchilla` when every point has N
    /// and D, else `power-c` when every point has C.
    public var law: String?
    /// The variable of a broken power law (`bnsl`): N, D or C.
    public var variable: ScaleVariable?
    /// Parameters of the main law held at a value during its fit, by name (`E`, `alpha`).
    public var fixed: [String: Double] = [:]
    /// Bootstrap resamples for percentile intervals (0: no intervals).
    public var bootstrap = AnalysisOptions.defaultBootstrap
    /// Central mass of the bootstrap intervals: 0.9 gives the 5th and 95th percentiles.
    public var level = AnalysisOptions.defaultLevel
    /// Seed of the bootstrap resampling.
    public var seed: UInt64 = 0
    /// How the bootstrap of a law fitted to runs resamples them (`BootstrapResampling.default`,
    /// deleted residuals, whose intervals a simulation found calibrated; `.cases` for the case
    /// bootstrap of Epoch AI's replication).
    public var resampling = BootstrapResampling.default
    /// Points held out of the back-tests (the largest by compute); nil holds out a tenth (at
    /// least 1) where enough points are left to fit, and skips the back-test otherwise.
    public var holdout: Int?
    /// Compute budgets (FLOPs) at which to report N_opt, D_opt and the loss.
    public var budgets: [Double] = []
    /// Fit and back-test every applicable law for a comparison (the report's table).
    public var compareLaws = true
    /// How IsoFLOP budgets are grouped (approach 2 and the ladder back-test).
    public var budgetTolerance = AnalysisOptions.defaultBudgetTolerance
    /// How approach 2 finds each budget's minimum.
    public var vertex = VertexMethod.default
    /// The window of `VertexMethod.window` used when the sensitivity to the vertex method is
    /// reported (every method is tried); `vertex` carries its own.
    public var vertexWindow = VertexMethod.defaultWindow
    /// The options of every single fit: objective, threads, start grids (by fitting name, e.g.
    /// `log_A`, `alpha`; each law uses the names it has).
    public var fit = FitOptions()
    /// Told a line before each long step (a fit, its bootstrap, its back-test, each law of the
    /// comparison), e.g. `fitting chinchilla (200 bootstrap resamples) to 10,000 points`; nil
    /// says nothing. The command line prints the lines on stderr.
    public var progress: (@Sendable (String) -> Void)? = nil

    public init() {}

    /// Tells `progress` a step is starting.
    func report(_ step: @autoclosure () -> String) { progress?(step()) }

    /// How many of `points` the back-tests hold out: `holdout`, or a tenth (at least 1).
    public func holdoutCount(points: Int) -> Int { holdout ?? max(1, points / 10) }

    /// The resampling options of a bootstrap with these options.
    public var bootstrapOptions: BootstrapOptions {
        var b = BootstrapOptions(samples: bootstrap, level: level, seed: seed)
        b.resampling = resampling
        return b
    }

    /// The fit options for one law: the shared ones, with the start grids of its own parameters.
    public func fitOptions(for formula: any LawFormula) -> FitOptions {
        var f = fit
        let names = Set(formula.parameters.map(FitOptions.fittingName(of:)))
        f.grid = fit.grid.filter { names.contains($0.key) }
        return f
    }

    /// Checks the values a caller may have set by hand; the command line's `validate()` calls it.
    public func check() throws(AnalysisError) {
        guard bootstrap >= 0 else { throw .badOption("--bootstrap must be 0 or more, got \(bootstrap)") }
        guard level > 0, level < 1 else { throw .badOption("--level must be between 0 and 1 (e.g. 0.9), got \(level)") }
        if let k = holdout, k < 1 { throw .badOption("--holdout-largest must be at least 1, got \(k)") }
        guard fit.threads >= 1 else { throw .badOption("--threads must be at least 1, got \(fit.threads)") }
        for C in budgets where !(C > 0 && C.isFinite) { throw .badOption("--budget must be a positive number of FLOPs, got \(C)") }
        guard budgetTolerance >= 0, budgetTolerance.isFinite else {
            throw .badOption("--budget-tolerance must be 0 or more (|ln C/C'|, e.g. 0.01 for 1%), got \(budgetTolerance)")
        }
        if case let .window(k) = vertex, k < 3 { throw .badOption("--vertex-window must be at least 3 (a parabola's sizes), got \(k)") }
        guard vertexWindow >= 3 else { throw .badOption("--vertex-window must be at least 3 (a parabola's sizes), got \(vertexWindow)") }
        // The critical-batch fits are not measurement laws: `fit` routes them before any of these.
        if let law, !CriticalBatchAnalysis.laws.contains(law.lowercased()) {
            guard let formula = LawForms.named(law, variable: variable) else { throw .unknownLaw(law) }
            if let name = fixed.keys.sorted().first(where: { !formula.parameterNames.contains($0) }) {
                throw .unknownFixedParameter(law: formula.identifier, name: name, known: formula.parameterNames)
            }
        }
    }
}

/// An analysis that cannot be made, with what to change.
public enum AnalysisError: Error, Sendable, Equatable, CustomStringConvertible {
    case noApplicableLaw(source: String, variables: [String])
    case unknownLaw(String)
    case unknownFixedParameter(law: String, name: String, known: [String])
    case noRuns(source: String)
    case badOption(String)
    case fit(String)

    public var description: String {
        switch self {
        case let .noApplicableLaw(source, variables):
            "\(source) has runs with \(variables.isEmpty ? "no scale columns" : variables.joined(separator: ", ")); "
                + "a fit needs N and D (for chinchilla) or C (for power-c) on every run, or name a law with --law"
        case let .unknownLaw(name):
            "unknown law '\(name)'; known laws: \(LawForms.identifiers.joined(separator: ", "))"
        case let .unknownFixedParameter(law, name, known):
            "--fix names a parameter \(law) does not have ('\(name)'); its parameters are \(known.joined(separator: ", "))"
        case let .noRuns(source): "\(source) has no finished runs to analyse"
        case let .badOption(message), let .fit(message): message
        }
    }
}
