import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting

extension LadderCommand {
    /// `scalelab ladder suggest`: the next run that most shrinks a forecast's interval per FLOP.
    struct Suggest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suggest",
            abstract: "Suggest the next run (N, D) that most shrinks the forecast interval at a budget, per FLOP it costs.",
            discussion: """
            Fits Chinchilla's law to the store's finished runs with a bootstrap (as fit --store does for \
            approach 3), forecasts the compute-optimal loss at --budget, and for candidate runs from the \
            ladder's smallest budget to 10× its largest (5 sizes around the compute-optimal one at each) \
            computes how much each would narrow the forecast's interval: from the refits' covariance, a \
            linear, Gaussian approximation that assumes the law's form is right. Ranked by shrinkage per FLOP.
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(parsing: .unconditional, help: "The target budget C in FLOPs whose forecast the next run should sharpen (e.g. 1e15).")
        var budget: Double
        @Option(help: "Only the runs of this sweep (default: every finished run of the store).") var sweep: Int64?
        @Option(parsing: .unconditional, help: "Bootstrap refits behind the covariance and the interval (at least 20).")
        var bootstrap = 200
        @Option(parsing: .unconditional, help: "Central mass of the interval.") var level = 0.9
        @Option(help: "Seed of the bootstrap resampling.") var seed: UInt64 = 0
        @Option(help: BootstrapResampling.help) var resampling = BootstrapResampling.default
        @Option(parsing: .unconditional, help: "Candidates to list.") var top = 5
        @Flag(help: "Print one JSON document.") var json = false

        func validate() throws {
            guard budget.isFinite, budget > 0, budget <= 1e35 else {
                throw ValidationError("--budget must be a positive number of FLOPs up to 1e35, got \(budget)")
            }
            guard bootstrap >= 20, bootstrap <= 100_000 else {
                throw ValidationError("--bootstrap must be from 20 to 100000 (the covariance needs refits), got \(bootstrap)")
            }
            guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1 (e.g. 0.9), got \(level)") }
            guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        }

        func run() throws {
            let store = try storeOptions.openForReading()
            var options = AnalysisOptions()
            options.bootstrap = bootstrap
            options.level = level
            options.seed = seed
            options.resampling = resampling
            let s: LadderSuggestion
            do { s = try LadderAdvisor.suggest(store, sweep: sweep, budget: budget, options: options) } catch let e as LadderAdvisorError {
                throw CommandFailure(e.description)
            }
            if json { return try Output.printJSON(s) }
            let sci = { (v: Double) in String(format: "%.3g", v) }
            let pct = { (v: Double) in String(format: "%.1f%%", 100 * v) }
            print("Forecast at \(sci(s.budget)) FLOPs: compute-optimal N \(sci(s.parameters)), D \(sci(s.tokens)), loss "
                  + String(format: "%.4f [%.4f, %.4f]", s.forecast, s.interval[0], s.interval[1])
                  + " (\(Int((100 * s.level).rounded()))% over \(s.refits) refits of a fit to \(s.runs) runs; width \(String(format: "%.4f", s.width)))")
            print("")
            print("Next run, most shrinkage of the interval per FLOP:")
            let row = { (c: LadderSuggestion.Candidate) in
                [sci(c.parameters), sci(c.tokens), sci(c.compute), String(format: "%.4f", c.expectedLoss), String(format: "%.4f", c.widthAfter),
                 pct(c.shrinkage), String(format: "%.3g", c.shrinkagePerPetaFLOP)]
            }
            print(Output.table(["N", "D", "C = 6ND", "expected loss", "width after", "shrinkage", "per 1e15 FLOPs"],
                               s.candidates.prefix(top).map(row)))
            print("")
            let l = s.largestShrinkage
            print("Most shrinkage whatever it costs: N \(sci(l.parameters)), D \(sci(l.tokens)), C \(sci(l.compute)): "
                  + "\(pct(l.shrinkage)), width \(String(format: "%.4f", l.widthAfter)).")
            for n in s.notes { print(n) }
        }
    }
}
