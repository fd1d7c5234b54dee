import Foundation
import Lab
import LawFitting
import Report
import ScalingLaws

/// The run store as a report's input: the glue between Lab and Report, which may not import Lab.
///
/// The finished runs become `ReportRun`s named by run id, with their planned IsoFLOP budget and
/// their learning curves, warm-up points dropped (`LearningCurve.pointsAfterWarmup`, the rule
/// approach 1 uses). The fits are made the way a report of a file makes them
/// (`ReportBuilder.input`), from the store's measurements. Runs with task evaluations add the
/// capabilities section (`CapabilitiesSection`).
public enum StoreReport {
    /// The report input of the done runs of `store` (of `sweeps` only, when given).
    ///
    /// The runs of `heldOutSweeps` (e.g. the demo's forecast run, trained after the fit) are the
    /// back-test's held-out runs: the report's back-test fits without them and predicts them, and
    /// the loss-against-compute figure rings them. They must be the largest runs by C, as a
    /// back-test holds out the largest; otherwise this throws. Without them, the back-test holds
    /// out `options.holdout` runs (default a tenth), as for a file.
    public static func input(store: RunStore, options: AnalysisOptions, context: ReportContext, sweeps: [Int64]? = nil,
                             heldOutSweeps: [Int64] = []) throws -> ReportInput {
        let done = try store.runs().filter { $0.status == .done && $0.finalValidationLoss != nil }
        let measurements = try store.measurements()
        guard done.count == measurements.count else {
            throw AnalysisError.fit("\(store.path): \(done.count) finished runs but \(measurements.count) measurements (was the store "
                                    + "written while it was read?); run the command again")
        }
        let keep = done.indices.filter { sweeps?.contains(done[$0].sweepID) ?? true }
        guard !keep.isEmpty else { throw AnalysisError.noRuns(source: store.path + (sweeps.map { " (sweeps \($0))" } ?? "")) }
        let runs = keep.map { done[$0] }
        var options = options
        let held = runs.filter { heldOutSweeps.contains($0.sweepID) }
        if !held.isEmpty {
            let others = runs.filter { !heldOutSweeps.contains($0.sweepID) }.map { $0.flops ?? 0 }
            guard held.map({ $0.flops ?? 0 }).min()! > others.max() ?? 0 else {
                throw AnalysisError.badOption("the held-out runs of sweeps \(heldOutSweeps) are not the \(held.count) largest by "
                                              + "compute; a back-test holds out the largest")
            }
            options.holdout = held.count
        }
        var set = MeasurementSet(measurements: keep.map { measurements[$0] }, source: store.path, format: .csv)
        // The page lists the same warnings as stderr: runs that look like several sweeps.
        let used = Set(runs.map(\.sweepID))
        set.warnings = try StoreAnalysis.warnings(for: set.measurements, sweeps: try store.sweeps().filter { used.contains($0.id ?? -1) })
        var input = try ReportBuilder.input(from: set, options: options, context: context)
        let curves = try store.curves()
        input.runs = zip(runs, input.runs).map { stored, run in
            var r = run
            r.name = "run \(stored.id!)" + (heldOutSweeps.contains(stored.sweepID) ? " (held out)" : "")
            r.budget = stored.budget
            if let points = stored.id.flatMap({ curves[$0] }), !points.isEmpty {
                let config = stored.trainingConfig
                r.learningCurve = LearningCurve(
                    parameters: stored.parameters, flopsPerToken: config?.shape.trainingFLOPsPerToken,
                    warmupTokens: Double(config?.hyperparameters.warmupTokens ?? 0),
                    points: points.map { LearningCurve.Point(tokens: $0.tokens, loss: $0.validationLoss) }).pointsAfterWarmup
            }
            return r
        }
        input.approaches = ReportBuilder.approaches(input.runs)
        if let capabilities = try CapabilitiesSection.section(store: store, sweeps: sweeps, options: options) {
            input.sections = [capabilities]
        }
        return input
    }

    /// Writes the store's report to `path` (HTML) and returns the path: the fits use `options`,
    /// every run of `heldOutSweeps` is held out of the back-test, and `forecasts` (made before a
    /// run was trained) get their own table; `sections` (a study's findings) follow it, before the
    /// capabilities section.
    @discardableResult
    public static func write(store: RunStore, options: AnalysisOptions, context: ReportContext, sweeps: [Int64]? = nil,
                             heldOutSweeps: [Int64] = [], forecasts: [ReportForecast]? = nil,
                             sections: [ReportSection]? = nil, to path: String) throws -> String {
        var input = try input(store: store, options: options, context: context, sweeps: sweeps, heldOutSweeps: heldOutSweeps)
        input.forecasts = forecasts
        if let sections { input.sections = sections + (input.sections ?? []) }
        try Data(HTMLReport.render(input).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }
}
