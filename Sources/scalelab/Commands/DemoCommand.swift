import ArgumentParser
import Foundation
import Lab
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
    @Option(help: "Bootstrap resamples for the intervals.") var bootstrap = 200
    @Option(help: "Seed of every run (a different seed replicates the demo).") var seed: UInt64 = 0
    @Option(name: .customLong("smallest-budget"), help: "The ladder's smallest budget in FLOPs (default 3e9 with --quick, else 3e10).")
    var smallestBudget: Double?
    @Option(name: .customLong("largest-budget"), help: "The ladder's largest budget in FLOPs (default 3e11 with --quick, else 3e12).")
    var largestBudget: Double?
    @Flag(help: "Print one JSON summary on stdout.") var json = false

    /// Four budgets log-spaced from the smallest to the largest (two decades by default), five
    /// sizes each (SCIENCE.md: IsoFLOP, approach 2).
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
        let say: (String) -> Void = { line in if !json { print(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        guard FileManager.default.fileExists(atPath: data) else {
            throw ValidationError("no corpus at \(data); fetch it with `bash scripts/fetch-corpus.sh` (or `make demo`), or pass --data PATH")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = (dir as NSString).appendingPathComponent("scalelab.sqlite")
        if !resume { try Self.removeStore(at: path) }
        let store = try RunStore.open(path: path, create: true)

        // 1. Plan the ladder (once; a resumed demo keeps its plan).
        if try store.sweeps().isEmpty {
            // ±0.5 decades around Epoch's N_opt. (±1 decade was tried: it adds d_model-8 models whose
            // losses made the approach-3 forecast worse, 20% instead of 3% off on the quick ladder.)
            var plan = try LadderPlanner.plan(LadderSpec(kind: .isoflop, budgets: budgets, count: 5, seed: seed))
            // Calibrated at each worker's thread count; the workers run side by side.
            plan.estimate(with: try Calibration.estimate(for: plan, threads: max(1, defaultThreadCount / workers)))
            _ = try store.add(plan, name: "demo ladder", version: ScaleLabVersion.current)
            say("1. Ladder: \(plan.runs.count) runs over \(budgets.count) budgets from \(Output.sci(budgets.first!)) to "
                + "\(Output.sci(budgets.last!)) FLOPs, estimated \(Output.duration((plan.estimatedSeconds ?? .nan) / Double(workers))) "
                + "with \(workers) worker\(workers == 1 ? "" : "s")")
        }
        let ladderSweep = try store.sweeps().first!.id!

        // 2. Train it.
        say("2. Training (\(workers) workers; progress on stderr)")
        var summary = try LadderExecution.run(store: store, path: path, data: data, workers: workers, threads: nil, quiet: json)
        if summary.stopped { throw ExitCode(130) }

        // 3. Fit: approaches 1, 2, 3 on the ladder alone.
        let analysis = try StoreAnalysis.analyze(store, sweep: ladderSweep, bootstrap: bootstrap, seed: 0)
        try StoreAnalysis.save(analysis, to: store, version: ScaleLabVersion.current)
        guard let law = analysis.approach3 else {
            throw CommandFailure("the ladder's runs could not be fitted: \(analysis.notes.joined(separator: "; "))")
        }
        say("3. Fit on \(analysis.runs) runs: L = \(Output.number(law.E)) + \(Output.number(law.A))/N^\(Output.number(law.alpha)) + "
            + "\(Output.number(law.B))/D^\(Output.number(law.beta))")
        say(ApproachesText.render(analysis).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))

        // Judge both laws by extrapolation inside the ladder first (SCIENCE.md): refit without the
        // largest budget, predict it.
        let backtest = try LadderBacktest.run(store: store, sweep: ladderSweep, analysis: analysis)
        if let bt = backtest, let best = bt.approach3BestRun {
            say("   Back-test: fitted on the lower budgets, the law predicts the \(bt.runs) runs at C = \(Output.sci(bt.budget)) with "
                + "mean |error| \(String(format: "%.2f%%", 100 * (bt.approach3MeanAbsoluteError ?? .nan))); their best run: "
                + "\(Output.number(best.predicted, digits: 5)) predicted, \(Output.number(best.loss, digits: 5)) measured (\(Output.percent(best.relativeError)))")
        }
        if let e = backtest?.frontierBestRunError {
            say("   Back-test of the compute frontier L*(C) the same way: its best run predicted \(Output.percent(e))")
        }

        // 4. Forecast before training: the compute-optimal model at 4× the largest budget.
        let heldOut = 4 * budgets.last!
        if try store.sweeps().count < 2 {
            let spec = LadderSpec(kind: .isoflop, budgets: [heldOut], count: 1, spreadDecades: 0,
                                  priorName: "approach-3 fit of the demo ladder", prior: law, seed: seed)
            _ = try store.add(try LadderPlanner.plan(spec), name: "demo forecast", version: ScaleLabVersion.current)
        }
        let forecastSweep = try store.sweeps()[1].id!
        let planned = try store.runs(sweep: forecastSweep)[0]
        let forecast = LadderForecast(analysis: analysis, backtest: backtest, parameters: planned.parameters,
                                      tokens: planned.tokens ?? .nan, compute: heldOut)!
        func range(_ i: [Double]?, _ label: String = "") -> String {
            i.map { " (\(label)\(Output.number($0[0], digits: 5))–\(Output.number($0[1], digits: 5)))" } ?? ""
        }
        say("4. Forecast at C = \(Output.sci(heldOut)) (4× the largest budget): best loss \(Output.number(law.optimalLoss(compute: heldOut)))"
            + " at N_opt = \(Output.sci(law.optimalParameters(compute: heldOut))); the shape rule's nearest model has "
            + "N = \(Output.sci(forecast.parameters)), D = \(Output.sci(forecast.tokens)): forecast loss \(Output.number(forecast.approach3, digits: 5))"
            + range(forecast.approach3Interval, "90% bootstrap interval "))
        if let f = forecast.frontier {
            say("   the compute frontier L*(C) (no irreducible term) forecasts \(Output.number(f, digits: 5))" + range(forecast.frontierInterval))
        }
        if let c = forecast.combination, let f = forecast.combined {
            say("   weighted by their back-tests (\(Output.number(c.weight, digits: 3)) on approach 3, \(Output.number(1 - c.weight, digits: 3)) "
                + "on the frontier): forecast \(Output.number(f, digits: 5))" + range(forecast.combinedInterval))
        }
        summary = try LadderExecution.run(store: store, path: path, data: data, workers: 1, threads: defaultThreadCount, quiet: json)
        if summary.stopped { throw ExitCode(130) }
        let trained = try store.run(id: planned.id!)
        guard let measured = trained.finalValidationLoss else {
            throw CommandFailure("the forecast run ended \(trained.status.rawValue): \(trained.message ?? "no message")")
        }
        let errors = forecast.errors(measured: measured)
        func inside(_ b: Bool?, _ whose: String) -> String { b.map { $0 ? ", inside \(whose) interval" : ", outside \(whose) interval" } ?? "" }
        say("   trained: validation loss \(Output.number(measured, digits: 5)); forecast error \(Output.percent(errors.approach3))"
            + inside(errors.approach3Inside, "the")
            + (errors.frontier.map { "; the frontier's error \(Output.percent($0))" + (errors.bracketed == true ? ", so the two laws bracket it" : "") } ?? ""))
        if let e = errors.combined {
            say("   the back-test-weighted forecast's error \(Output.percent(e))" + inside(errors.combinedInside, "its"))
        }

        // 5. Plan 100× beyond the ladder.
        let far = 100 * budgets.last!
        let plan = try law.computeOptimalPlan(compute: far)
        say("5. Plan at C = \(Output.sci(far)) (100× the largest budget): N_opt = \(Output.sci(plan.parameters)), "
            + "D_opt = \(Output.sci(plan.tokens)) (\(Output.number(plan.tokensPerParameter)) tokens/parameter), loss \(Output.number(plan.loss))")

        let reportPath = try StoreReport.write(store: store, heldOutSweeps: [forecastSweep], bootstrap: bootstrap,
                                               to: (dir as NSString).appendingPathComponent("report.html"))
        let result = DemoSummary(budgets: budgets, runs: analysis.runs, approaches: analysis, backtest: backtest,
                                 heldOutBudget: heldOut, forecast: forecast, errors: errors,
                                 farBudget: far, farPlan: plan, store: path, seconds: secondsSince(clock))
        try Output.writeJSON(result, to: (dir as NSString).appendingPathComponent("summary.json"))
        say("Done in \(Output.duration(result.seconds)); store \(path), summary \(dir)/summary.json, report \(reportPath)")
        if json { try Output.printJSON(result) }
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
