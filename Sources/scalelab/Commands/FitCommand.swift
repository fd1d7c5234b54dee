import ArgumentParser
import Foundation
import Lab
import LawFitting
import ScalingLaws

/// `scalelab fit FILE`: fit one law (or all of them) to measurements, with honest uncertainty.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a scaling law to measurements from a CSV or JSON Lines file.",
        discussion: """
        Laws: \(LawForms.identifiers.joined(separator: ", ")), or 'all' to compare every applicable law.
        Residuals are log L̂ − log L. Huber laws (chinchilla, data-constrained, power-*) are fitted by
        L-BFGS from a grid of starts in parallel; least-squares laws (kaplan-*, bnsl) by Levenberg–Marquardt.
        """
    )

    @Argument(help: "Measurements: a .csv or .jsonl file with columns for N, D, C, U and loss.")
    var file: String?

    @Option(help: "Fit the finished runs of a run store instead of a file; also runs Chinchilla's approaches 1, 2 and 3 and saves the fits in the store.")
    var store: String?

    @Option(help: "The law to fit, or 'all'.")
    var law = "chinchilla"

    @Option(parsing: .unconditional, help: "Bootstrap resamples for percentile intervals (0: none).")
    var bootstrap = 0

    @Option(parsing: .unconditional, help: "Central mass of the bootstrap intervals.")
    var level = 0.9

    @Option(help: "Seed of the bootstrap resampling.")
    var seed: UInt64 = 0

    @Option(name: .customLong("holdout-largest"), parsing: .unconditional, help: "Back-test: fit without the K largest-compute points and predict them.")
    var holdoutLargest: Int?

    @Option(name: .customLong("budget"), parsing: .upToNextOption,
            help: "Compute budgets (FLOPs) at which to report N_opt, D_opt and loss.")
    var budgets: [PositiveNumber] = []

    @Option(help: "Objective: huber or least-squares (default: the law's usual one).")
    var objective: FitObjectiveKind?

    @Option(name: .customLong("grid"), help: "Start values of one fitting parameter, e.g. --grid log_A=0,5,10 --grid alpha=0.2,0.5.")
    var grid: [NamedValues] = []

    @Option(name: .customLong("fix"), help: "Hold a parameter at a value, e.g. --fix E=1.69.")
    var fix: [NamedValues] = []

    @Option(help: "Variable of a broken power law: N, D or C.")
    var x: ScaleVariable?

    @OptionGroup var columns: ColumnOptions

    @Option(help: "Threads for the starts and refits (default: all cores).")
    var threads: Int?

    @Option(help: "Also write the JSON report to this file (input for `plan --fit`).")
    var out: String?

    @Flag(help: "Print one JSON document instead of tables.")
    var json = false

    func validate() throws {
        guard (file == nil) != (store == nil) else {
            throw ValidationError("give either a measurements FILE or --store DB (not both, not neither)")
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more, got \(bootstrap)") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1 (e.g. 0.9), got \(level)") }
        if let k = holdoutLargest, k < 1 { throw ValidationError("--holdout-largest must be at least 1, got \(k)") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t)") }
        if law.lowercased() != "all", LawForms.named(law, variable: x) == nil {
            throw ValidationError("unknown law '\(law)'; known laws: \(LawForms.identifiers.joined(separator: ", ")), all")
        }
    }

    func run() throws {
        var options = FitOptions()
        options.objective = objective
        if let threads { options.threads = threads }
        for g in grid { options.grid[g.name] = g.values }
        if law.lowercased() == "all" { return try compare(options) }

        var formula = LawForms.named(law, variable: x)!
        if !fix.isEmpty {
            let values = Dictionary(fix.map { ($0.name, $0.values[0]) }, uniquingKeysWith: { $1 })
            guard let staged = FixedParameters(formula, fixed: values) else {
                throw ValidationError("--fix names a parameter \(formula.identifier) does not have; its parameters are \(formula.parameterNames.joined(separator: ", "))")
            }
            formula = staged
        }
        let set = try measurements(requiring: Set(formula.variables))
        try validatePointCount(set, for: formula)
        let data = FitData(set.measurements)
        let fit = try LawFitter.fit(formula, to: data, options: options)
        let boot = bootstrap > 0
            ? try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: bootstrap, level: level, seed: seed), fitOptions: options)
            : nil
        let backtest = try holdoutLargest.map { try Backtest.run(formula, data: data, holdout: $0, options: options) }
        let report = FitReport(fit: fit, bootstrap: boot, seed: seed, budgets: budgets.map(\.value), holdout: backtest,
                               data: .init(file: set.source, points: set.count, hash: set.contentHash),
                               version: ScaleLabVersion.current)
        let approaches = try store.map { path in
            let runStore = try RunStore.open(path: path, create: false)
            // The plain Chinchilla law on the store's runs is approach 3 itself: hand it over.
            let same = formula is ChinchillaLaw
            let result = try StoreAnalysis.analyze(runStore, bootstrap: max(bootstrap, 200), seed: seed, fitOptions: options,
                                                   approach3Fit: same ? fit : nil, approach3Bootstrap: same ? boot : nil)
            try StoreAnalysis.save(result, to: runStore, version: ScaleLabVersion.current)
            return (result, try LadderBacktest.run(store: runStore, sweep: nil, analysis: result, fitOptions: options))
        }
        let output = StoreFitOutput(report: report, approaches: approaches?.0, backtest: approaches?.1)
        if let out { try Output.writeJSON(output, to: out) }
        if json { return try Output.printJSON(output) }
        print(FitText.render(report))
        if let (analysis, backtest) = approaches {
            print("\n" + ApproachesText.render(analysis))
            let lines = ForecastText.backtest(backtest, withWeight: true)
            if !lines.isEmpty { print(lines.joined(separator: "\n")) }
        }
    }

    /// The measurements of the file, or the finished runs of the store.
    private func measurements(requiring variables: Set<ScaleVariable>) throws -> MeasurementSet {
        if let file { return try columns.reader.read(path: file, requiring: variables) }
        let runStore = try RunStore.open(path: store!, create: false)
        let runs = try runStore.measurements()
        return MeasurementSet(measurements: runs, source: store!, format: .csv)
    }

    private func compare(_ options: FitOptions) throws {
        let set = try measurements(requiring: [])
        let file = set.source
        let data = FitData(set.measurements)
        let forms = Comparison.applicable(to: data)
        guard !forms.isEmpty else {
            throw ValidationError("no law applies to \(file): it has \(set.count) points with \(set.availableVariables.map(\.symbol).sorted().joined(separator: ", "))")
        }
        let k = holdoutLargest ?? max(1, set.count / 10)
        let rows = try Comparison.run(forms, data: data, holdout: k, options: options)
        let report = ComparisonReport(file: file, points: set.count, hash: set.contentHash, holdout: k, laws: rows,
                                      scalelabVersion: ScaleLabVersion.current)
        if let out { try Output.writeJSON(report, to: out) }
        if json { try Output.printJSON(report); return }
        print("Laws fitted to \(file) (\(set.count) points), ranked by log RMSE on the \(k) largest-compute points held out:\n")
        print(Output.table(
            ["law", "k", "rmse_log", "holdout_rmse_log", "holdout_MARE", "AIC", "BIC", "status"],
            rows.map { r in
                [r.law, "\(r.parameterCount)", Output.number(r.rmseLog), r.holdoutRmseLog.map { Output.number($0) } ?? "-",
                 r.holdoutMeanAbsoluteRelativeError.map { Output.number($0 * 100, digits: 3) + "%" } ?? "-",
                 Output.number(r.aic, digits: 5), Output.number(r.bic, digits: 5), r.status]
            }))
    }
}

/// The JSON of `fit --law all`.
struct ComparisonReport: Codable {
    var file: String
    var points: Int
    var hash: String
    var holdout: Int
    var laws: [ComparisonRow]
    var scalelabVersion: String
}

/// `--n-column` etc.: name the columns when the common names don't find them.
struct ColumnOptions: ParsableArguments {
    @Option(name: .customLong("n-column"), help: "Column of N (parameters).") var n: String?
    @Option(name: .customLong("d-column"), help: "Column of D (tokens).") var d: String?
    @Option(name: .customLong("c-column"), help: "Column of C (FLOPs).") var c: String?
    @Option(name: .customLong("u-column"), help: "Column of U (unique tokens).") var u: String?
    @Option(name: .customLong("loss-column"), help: "Column of the loss.") var loss: String?
    @Option(help: "Input format: csv or jsonl (default: from the file extension).") var format: String?

    var reader: MeasurementReader {
        get throws {
            var fileFormat: MeasurementFileFormat? = nil
            if let format {
                guard let f = MeasurementFileFormat(rawValue: format.lowercased()) else {
                    throw ValidationError("--format must be one of \(MeasurementFileFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(format)")
                }
                fileFormat = f
            }
            return MeasurementReader(mapping: ColumnMapping(parameters: n, tokens: d, compute: c, uniqueTokens: u, loss: loss),
                                     format: fileFormat)
        }
    }
}

/// `fit --json`: the fit report; with `--store`, also the three approaches under `approaches` and
/// the back-tests on the largest budget under `backtest`.
struct StoreFitOutput: Encodable {
    var report: FitReport
    var approaches: StoreAnalysisResult?
    var backtest: LadderBacktest?

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: PlanOutput.Key.self)
        try c.encodeIfPresent(approaches, forKey: PlanOutput.Key("approaches"))
        try c.encodeIfPresent(backtest, forKey: PlanOutput.Key("backtest"))
    }
}

/// The three approaches' allocation exponents side by side with the published ones.
enum ApproachesText {
    static func render(_ r: StoreAnalysisResult) -> String {
        func row(_ name: String, _ a: Double?, _ interval: [Double]?, _ published: String) -> [String] {
            [name, a.map { Output.number($0) } ?? "-", Output.interval(interval), r.published[published].map { Output.number($0) } ?? "-"]
        }
        let a3 = r.approach3?.a
        var lines = ["N_opt ∝ C^a on \(r.runs) finished runs (90% bootstrap intervals):",
                     Output.table(["approach", "a", "interval", "published (Hoffmann 2022)"], [
                        row("1 envelope", r.approach1?.a, r.approach1?.aInterval, "approach-1"),
                        row("2 IsoFLOP", r.approach2?.a, r.approach2?.aInterval, "approach-2"),
                        row("3 parametric", a3, r.approach3Intervals?["a"], "approach-3"),
                     ])]
        if let f = r.frontier {
            lines.append("Compute frontier through the IsoFLOP minima: L*(C) = (C_c/C)^alpha_C, alpha_C = \(Output.number(f.exponent))"
                         + (f.exponentInterval.map { " \(Output.interval($0))" } ?? "")
                         + ", C_c = \(Output.sci(f.criticalCompute)) FLOPs (Kaplan 2020: alpha_C = "
                         + "\(Output.number(PublishedLaws.kaplanC.parameters[1])))")
        }
        lines += r.notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }
}
