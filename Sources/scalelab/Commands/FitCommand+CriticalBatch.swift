import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting
import ScalingLaws

/// `fit --store DB --law critical-batch` (B_crit(L) from measured noise scales) and
/// `--law kaplan-ns` (that, and L(N, S_min) on the learning curves).
extension FitCommand {
    /// Whether `--law` names one of these fits.
    var fitsCriticalBatch: Bool { analysis.law.map { CriticalBatchAnalysis.laws.contains($0.lowercased()) } ?? false }

    /// The checks of these fits: a store, and none of the options of the measurement laws.
    func validateCriticalBatch() throws {
        guard store != nil else {
            throw ValidationError("--law \(analysis.law!) fits the gradient noise scales and learning curves of a store's runs: give --store DB")
        }
        guard try rows.selection.isEmpty, !approaches, analysis.fix.isEmpty, analysis.grid.isEmpty, analysis.objective == nil,
              analysis.budgets.isEmpty, analysis.holdoutLargest == nil else {
            throw ValidationError("--law \(analysis.law!) takes --bootstrap, --level, --seed, --out and --json; drop the other fitting options")
        }
    }

    func runCriticalBatch(_ path: String) throws {
        let store = try RunStore.open(path: path, create: false, readOnly: true)
        let report: CriticalBatchReport
        do {
            report = try CriticalBatchAnalysis.run(store, options: analysis.options, steps: analysis.law!.lowercased() == CriticalBatchAnalysis.stepsLaw,
                                                   version: ScaleLabVersion.current)
        } catch let e as FitError { throw CommandFailure(e.description) }
        if let out { try Output.writeJSON(report, to: out) }
        if json { return try Output.printJSON(report) }
        print(CriticalBatchText.render(report))
    }
}

/// The text of `fit --law critical-batch` and `--law kaplan-ns`.
enum CriticalBatchText {
    static func render(_ r: CriticalBatchReport) -> String {
        let b = r.criticalBatch, p = r.publishedCriticalBatch, level = "\(Int((r.level * 100).rounded()))%"
        var lines = ["Gradient noise scale B_simple of \(b.runs) runs (\(b.points) learning-curve windows), "
                     + "\(level) intervals over \(b.resamples) resamples of the runs:",
                     Output.table(["run", "N", "batch (tokens)", "windows", "B_simple range", "final B_simple", "final loss"], r.runs.map { run in
                         ["\(run.id)", Output.sci(run.parameters), Output.number(run.batch, digits: 5), "\(run.points)",
                          run.noiseScaleRange.map { "\(Output.number($0[0], digits: 3))–\(Output.number($0[1], digits: 3))" } ?? "-",
                          run.finalNoiseScale.map { Output.number($0, digits: 3) } ?? "-", Output.number(run.finalLoss)]
                     }),
                     "",
                     "Critical batch B_crit(L) = B*/L^(1/alpha_B), fitted to B_simple over losses "
                     + "\(Output.number(b.lossRange[0]))–\(Output.number(b.lossRange[1])):",
                     Output.table(["parameter", "value", "\(level) interval", "published (Kaplan 2020)"], [
                        ["B* (tokens)", Output.sci(b.law.bStar), Output.interval(b.bStarInterval), Output.sci(p.bStar)],
                        ["alpha_B", Output.number(b.law.alphaB), b.alphaBInterval.map { Output.interval($0) } ?? "unbounded", Output.number(p.alphaB)],
                        ["slope d ln B/d ln L", Output.number(b.slope), Output.interval(b.slopeInterval), Output.number(-1 / p.alphaB)],
                     ]),
                     "RMSE of ln B_simple about the law: \(Output.number(b.rmseLog, digits: 3)) (a window's estimate is noisy; "
                     + "the law is the trend)."]
        if let t = b.sizeExponent {
            let covers = b.sizeExponentInterval.map { $0[0] <= 0 && 0 <= $0[1] }
            lines.append("Size dependence at fixed loss: B_simple ∝ N^\(Output.number(t, digits: 3)) "
                         + (b.sizeExponentInterval.map { Output.interval($0) } ?? "")
                         + (covers == true ? ": consistent with Kaplan's B_crit depending on the loss alone."
                            : covers == false ? ": the interval excludes 0; at a given loss, model size matters here." : "."))
        }
        lines.append("Losses here are nats per byte, Kaplan's per BPE token: compare alpha_B, not B* (docs/science.md).")
        if let s = r.steps {
            let q = r.publishedSteps
            lines += ["",
                      "Kaplan's learning curve L(N, S_min) = (Nc/N)^alpha_N + (Sc/S_min)^alpha_S, S_min = S/(1 + B_crit(L)/B), on \(s.points) "
                      + "points of \(s.runs) runs (the first \(Int((s.fromFraction * 100).rounded()))% of each run left out); RMSE of ln L "
                      + "\(Output.number(s.rmseLog, digits: 3)):",
                      Output.table(["parameter", "value", "\(level) interval", "published (Kaplan 2020)"],
                                   zip(KaplanStepsLaw.parameterNames, zip(s.law.values, q.values)).map { name, v in
                                       [name, name.hasPrefix("alpha") ? Output.number(v.0) : Output.sci(v.0), Output.interval(s.intervals[name]),
                                        name.hasPrefix("alpha") ? Output.number(v.1) : Output.sci(v.1)]
                                   })]
        } else if let problem = r.stepsProblem {
            lines += ["", "L(N, S_min) not fitted: \(problem)"]
        }
        return lines.joined(separator: "\n")
    }
}
