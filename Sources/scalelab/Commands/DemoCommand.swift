import Analysis
import ArgumentParser
import Foundation
import Lab
import Report
import LawFitting
import ScalingLaws
import Trainer

/// `scalelab demo`: the main job, end to end on the default corpus. Plan an IsoFLOP ladder, train
/// it, fit the three Chinchilla approaches, forecast the best loss at a budget 4× above the ladder
/// *before* training it, train it and score the forecast, then plan a budget 100× beyond.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The main job: ladder → store → fit → forecast → plan, on the default corpus.",
        discussion: """
        Needs the corpus (`make demo` fetches it: scripts/fetch-corpus.sh). The store starts fresh \
        unless --resume is given; all runs, fits and the summary go to --dir.
        """
    )

    @Flag(help: "A smaller ladder (about 3 minutes on 2 cores) for smoke tests.") var quick = false
    @Option(help: "Text file or folder to train on.") var data = "data/shakespeare.txt"
    @Option(help: "Folder for the store, run records and summary.") var dir = "demo"
    @Option(help: "Worker processes (threads per worker = cores / workers).") var workers = 2
    @Flag(help: "Continue an interrupted demo in --dir instead of starting afresh.") var resume = false
    @Option(help: "Bootstrap resamples for the intervals.") var bootstrap = AnalysisOptions.defaultBootstrap
    @Option(help: BootstrapResampling.help) var resampling = BootstrapResampling.default
    @Option(help: "Seed of every run (a different seed replicates the demo).") var seed: UInt64 = 0
    @Option(name: .customLong("smallest-budget"), help: "The ladder's smallest budget in FLOPs (default 3e9 with --quick, else 3e10).")
    var smallestBudget: Double?
    @Option(name: .customLong("largest-budget"), help: "The ladder's largest budget in FLOPs (default 3e11 with --quick, else 3e12).")
    var largestBudget: Double?
    @Option(help: "The rule for every run's hyperparameters: default, or candidate (see `ladder plan --recipe`).")
    var recipe: HyperparameterRecipe = .default
    @Flag(help: "Print one JSON summary on stdout.") var json = false

    /// Four budgets log-spaced from the smallest to the largest (two decades by default), five
    /// sizes each (docs/science.md, §Chinchilla approaches: IsoFLOP, approach 2).
    var budgets: [Double] {
        let (low, high) = budgetRange
        return (0..<4).map { low * pow(high / low, Double($0) / 3) }
    }

    /// The smallest and largest budgets: the options, else 3e9–3e11 with --quick, else 3e10–3e12.
    var budgetRange: (Double, Double) {
        (smallestBudget ?? (quick ? 3e9 : 3e10), largestBudget ?? (quick ? 3e11 : 3e12))
    }

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more, got \(bootstrap)") }
        let (low, high) = budgetRange
        guard low.isFinite, high.isFinite, low > 0, high > low else {
            throw ValidationError("--smallest-budget and --largest-budget must be positive with smallest < largest, got \(low) and \(high)")
        }
    }

    func run() throws {
        let clock = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: data) else {
            throw CommandFailure("no corpus at \(data); fetch it with `bash scripts/fetch-corpus.sh` (or `make demo`), or pass --data PATH")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = (dir as NSString).appendingPathComponent("scalelab.sqlite")
        if !resume { try Self.removeStore(at: path) }
        let store = try RunStore.open(path: path, create: true)

        // 1. Plan the ladder (once; a resumed demo keeps its plan). 2. Train it.
        let ladderSweep = try planLadder(in: store)
        say("2. Training (\(workers) workers; progress on stderr)")
        if try LadderExecution.run(store: store, path: path, data: data, workers: workers, threads: nil, quiet: json).stopped {
            throw ExitCode(130)
        }

        // 3. Fit approaches 1, 2, 3 on the ladder alone, then judge both forecasting laws by
        // extrapolation inside the ladder (docs/science.md, §Back-tests): refit without the largest budget, predict it.
        var options = AnalysisOptions()
        options.bootstrap = bootstrap
        options.resampling = resampling
        let analysis = try StoreAnalysis.analyze(store, sweep: ladderSweep, options: options)
        try StoreAnalysis.save(analysis, to: store, version: ScaleLabVersion.current)
        guard let law = analysis.approach3 else {
            throw CommandFailure("the ladder's runs could not be fitted: \(analysis.notes.joined(separator: "; "))")
        }
        say("3. Fit on \(analysis.runs) runs: L = \(Output.number(law.E)) + \(Output.number(law.A))/N^\(Output.number(law.alpha)) + "
            + "\(Output.number(law.B))/D^\(Output.number(law.beta))")
        say(ApproachesText.render(analysis).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
        let backtest = try LadderBacktest.run(store: store, sweep: ladderSweep, analysis: analysis, options: options)
        ForecastText.backtest(backtest).forEach { say("   " + $0) }

        // 4. Forecast before training: the compute-optimal model at 4× the largest budget.
        let heldOut = 4 * budgets.last!
        let (forecast, forecastSweep, errors) = try forecastAndTrain(store: store, path: path, analysis: analysis, law: law,
                                                                     backtest: backtest, compute: heldOut)

        // 5. Plan 100× beyond the ladder.
        let far = 100 * budgets.last!
        let plan = try law.computeOptimalPlan(compute: far)
        say("5. Plan at C = \(Output.sci(far)) (100× the largest budget): N_opt = \(Output.sci(plan.parameters)), "
            + "D_opt = \(Output.sci(plan.tokens)) (\(Output.number(plan.tokensPerParameter)) tokens/parameter), loss \(Output.number(plan.loss))")

        let forecasts = ForecastText.named(forecast).enumerated().map { k, f in
            ReportForecast(method: f.name, compute: heldOut, loss: f.loss, interval: f.interval,
                           formInterval: k == 0 ? forecast.approach3FormInterval : nil, measured: errors.measured)
        }
        // The page shows what the demo did: the held-out run out of the back-test, the forecasts
        // made before it trained, and the budget planned 100× beyond the ladder.
        options.budgets = [far]
        let reportPath = try StoreReport.write(store: store, options: options,
                                               context: ReportContext(version: ScaleLabVersion.current, date: ReportContext.now,
                                                                      machine: ReportContext.thisMachine),
                                               heldOutSweeps: [forecastSweep], forecasts: forecasts,
                                               to: (dir as NSString).appendingPathComponent("report.html"))
        let result = DemoSummary(budgets: budgets, runs: analysis.runs, approaches: analysis, backtest: backtest,
                                 heldOutBudget: heldOut, forecast: forecast, errors: errors,
                                 farBudget: far, farPlan: plan, store: path, seconds: secondsSince(clock))
        try Output.writeJSON(result, to: (dir as NSString).appendingPathComponent("summary.json"))
        say("Done in \(Output.duration(result.seconds)); store \(path), summary \(dir)/summary.json, report \(reportPath)")
        if json { try Output.printJSON(result) }
    }

    /// A line of progress: on stdout, or on stderr with --json (stdout then holds only the JSON).
    private func say(_ line: String) {
        if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
    }

    /// Step 1: the IsoFLOP ladder, planned and stored unless the store has it; its sweep id. A
    /// resumed demo's stored ladder must be the one these options plan (budgets, seed, recipe).
    private func planLadder(in store: RunStore) throws -> Int64 {
        // ±0.5 decades around Epoch's N_opt. (±1 decade was tried: it adds d_model-8 models whose
        // losses made the approach-3 forecast worse, 20% instead of 3% off on the quick ladder.)
        var spec = LadderSpec(kind: .isoflop, budgets: budgets, count: 5, seed: seed)
        spec.recipe = recipe.specValue
        if let sweep = try store.sweeps().first {
            guard sweep.name == Self.ladderName else {
                throw CommandFailure("\(dir) holds a store that is not a demo's (its first sweep is '\(sweep.name)'); "
                    + "pass another --dir, or drop --resume to start a demo afresh there")
            }
            let stored: LadderPlan
            do {
                stored = try JSONConventions.decoder().decode(LadderPlan.self, from: Data(sweep.specJSON.utf8))
            } catch {
                throw CommandFailure("the demo ladder stored in \(dir) has a plan this version cannot read (\(error)); "
                    + "drop --resume to start the demo afresh there")
            }
            let differences = stored.spec.differences(from: spec)
            guard differences.isEmpty else {
                throw CommandFailure("the demo in \(dir) was planned with other options (\(differences.joined(separator: "; "))); "
                    + "resume it with the options it started with, or drop --resume to start afresh")
            }
            return sweep.id!
        }
        var plan = try LadderPlanner.plan(spec)
        // Calibrated at each worker's thread count; the workers run side by side.
        plan.estimate(with: try Calibration.estimate(for: plan, threads: max(1, defaultThreadCount / workers)))
        let added = try store.add(plan, name: Self.ladderName, version: ScaleLabVersion.current)
        say("1. Ladder: \(plan.runs.count) runs over \(budgets.count) budgets from \(Output.sci(budgets.first!)) to "
            + "\(Output.sci(budgets.last!)) FLOPs, estimated \(Output.duration((plan.estimatedSeconds ?? .nan) / Double(workers))) "
            + "with \(workers) worker\(workers == 1 ? "" : "s")")
        return added.sweep.id!
    }

    /// The demo ladder's sweep name in its store.
    static let ladderName = "demo ladder"

    /// Step 4: plan approach 3's compute-optimal model at `compute` (once), forecast its loss three
    /// ways, then train it (all threads) and score the forecasts.
    private func forecastAndTrain(store: RunStore, path: String, analysis: StoreAnalysisResult, law: ChinchillaParameters,
                                  backtest: LadderBacktest?, compute: Double) throws -> (LadderForecast, Int64, LadderForecast.Errors) {
        if try store.sweeps().count < 2 {
            var spec = LadderSpec(kind: .isoflop, budgets: [compute], count: 1, spreadDecades: 0,
                                  priorName: "approach-3 fit of the demo ladder", prior: law, seed: seed)
            spec.recipe = recipe.specValue
            _ = try store.add(try LadderPlanner.plan(spec), name: "demo forecast", version: ScaleLabVersion.current)
        }
        let sweep = try store.sweeps()[1].id!
        let planned = try store.runs(sweep: sweep)[0]
        let forecast = LadderForecast(analysis: analysis, backtest: backtest, parameters: planned.parameters,
                                      tokens: planned.tokens ?? .nan, compute: compute)!
        say(ForecastText.forecast(forecast, optimalParameters: law.optimalParameters(compute: compute), level: analysis.level,
                                  resampling: analysis.approach3Resampling, rolling: analysis.approach3Rolling))
        if try LadderExecution.run(store: store, path: path, data: data, workers: 1, threads: defaultThreadCount, quiet: json).stopped {
            throw ExitCode(130)
        }
        let trained = try store.run(id: planned.id!)
        guard let measured = trained.finalValidationLoss else {
            throw CommandFailure("the forecast run ended \(trained.status.rawValue): \(trained.message ?? "no message")")
        }
        let errors = forecast.errors(measured: measured)
        say(ForecastText.errors(errors))
        return (forecast, sweep, errors)
    }

    /// Removes a previous demo's store and run files (only what the demo itself writes).
    static func removeStore(at path: String) throws {
        let fm = FileManager.default
        for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: path + suffix) {
            try fm.removeItem(atPath: path + suffix)
        }
        let runs = RunnerOptions.defaultWorkDirectory(store: path)
        if fm.fileExists(atPath: runs) { try fm.removeItem(atPath: runs) }
    }
}

/// `demo --json` and `demo/summary.json`.
struct DemoSummary: Codable {
    var budgets: [Double]
    var runs: Int
    var approaches: StoreAnalysisResult
    /// Both laws refitted without the ladder's largest budget and scored on it.
    var backtest: LadderBacktest?
    var heldOutBudget: Double
    /// Approach 3's, the frontier's and the back-test-weighted forecasts of the held-out run, made
    /// before it was trained, and their errors once it was.
    var forecast: LadderForecast
    var errors: LadderForecast.Errors
    var farBudget: Double
    var farPlan: ComputeOptimalPlan
    var store: String
    var seconds: Double
}
