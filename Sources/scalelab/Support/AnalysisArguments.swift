import Analysis
import ArgumentParser
import LawFitting
import ScalingLaws

/// The options of every analysis on the command line (`fit`, `report`): they fill in one
/// `AnalysisOptions`, whose defaults they state.
struct AnalysisArguments: ParsableArguments {
    @Option(help: "The law to fit (default: chinchilla when every run has N and D, else power-c).")
    var law: String?

    @Option(help: "Variable of a broken power law: N, D or C.")
    var x: ScaleVariable?

    @Option(name: .customLong("fix"), help: "Hold a parameter of the law at a value, e.g. --fix E=1.69.")
    var fix: [NamedValues] = []

    @Option(parsing: .unconditional, help: "Bootstrap resamples for percentile intervals (0: none).")
    var bootstrap = AnalysisOptions.defaultBootstrap

    @Option(parsing: .unconditional, help: "Central mass of the bootstrap intervals.")
    var level = AnalysisOptions.defaultLevel

    @Option(help: "Seed of the bootstrap resampling.")
    var seed: UInt64 = 0

    @Option(help: BootstrapResampling.help)
    var resampling = BootstrapResampling.default

    @Option(name: .customLong("holdout-largest"), parsing: .unconditional,
            help: "Back-test: fit without the K largest-compute points and predict them (default: a tenth, when enough points are left).")
    var holdoutLargest: Int?

    @Option(name: .customLong("budget"), parsing: .upToNextOption,
            help: "Compute budgets (FLOPs) at which to report N_opt, D_opt and loss.")
    var budgets: [PositiveNumber] = []

    @Option(help: "Objective: huber or least-squares on log L, or least-squares-loss on L itself (default: the law's usual one).")
    var objective: FitObjectiveKind?

    @Option(name: .customLong("grid"), help: "Start values of one fitting parameter, e.g. --grid log_A=0,5,10 --grid alpha=0.2,0.5.")
    var grid: [NamedValues] = []

    @Option(help: "Threads for the starts and refits (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("screening-sample"), parsing: .unconditional,
            help: "With more points than this, screen the starts on a fixed sample of this many and polish the best on every point (0: screen on every point).")
    var screeningSample = FitOptions().screeningSample ?? 0

    @Option(name: .customLong("screening-iterations"), parsing: .unconditional,
            help: "Least-squares laws: run every start this many iterations, then the best quarter as many again, and so on down to the best 10, which run to convergence (0: every start to convergence).")
    var screeningIterations = FitOptions().screeningIterations ?? 0

    /// The analysis options these arguments give; `law` is left out when it is `all` (a comparison).
    var options: AnalysisOptions {
        var o = AnalysisOptions()
        o.law = law?.lowercased() == "all" ? nil : law
        o.variable = x
        o.fixed = Dictionary(fix.map { ($0.name, $0.values[0]) }, uniquingKeysWith: { $1 })
        o.bootstrap = bootstrap
        o.level = level
        o.seed = seed
        o.resampling = resampling
        o.holdout = holdoutLargest
        o.budgets = budgets.map(\.value)
        o.fit.objective = objective
        if let threads { o.fit.threads = threads }
        o.fit.screeningSample = screeningSample > 0 ? screeningSample : nil
        o.fit.screeningIterations = screeningIterations > 0 ? screeningIterations : nil
        for g in grid { o.fit.grid[g.name] = g.values }
        return o
    }

    func validate() throws {
        guard screeningSample >= 0 else { throw ValidationError("--screening-sample must be 0 (every point) or more, got \(screeningSample)") }
        guard screeningIterations >= 0 else {
            throw ValidationError("--screening-iterations must be 0 (every start to convergence) or more, got \(screeningIterations)")
        }
        do { try options.check() } catch { throw ValidationError(error.description) }
    }
}
