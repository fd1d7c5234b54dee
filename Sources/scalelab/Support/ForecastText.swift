import Analysis
import Foundation
import Lab
import LawFitting
import ScalingLaws

/// Lines about a ladder's back-tests and forecasts (`scalelab demo`, steps 3 and 4; `fit --store`).
enum ForecastText {
    /// Both laws' back-tests on the ladder's largest budget (the demo indents them under step 3).
    static func backtest(_ bt: LadderBacktest?, withWeight: Bool = false) -> [String] {
        var lines: [String] = []
        if let bt, let best = bt.approach3BestRun {
            lines.append("Back-test: fitted on the lower budgets, the law predicts the \(bt.runs) run\(bt.runs == 1 ? "" : "s") at C = \(Output.sci(bt.budget)) with "
                + "mean |error| \(String(format: "%.2f%%", 100 * (bt.approach3MeanAbsoluteError ?? .nan))); their best run: "
                + "\(Output.number(best.predicted, digits: 5)) predicted, \(Output.number(best.loss, digits: 5)) measured (\(Output.percent(best.relativeError)))")
        }
        if let e = bt?.frontierBestRunError {
            lines.append("Back-test of the compute frontier L*(C) the same way: its best run predicted \(Output.percent(e))")
        }
        if withWeight, let c = bt?.combination {
            lines.append("Weights that make the two exact on this back-test: \(String(format: "%.2f", c.weight)) × approach 3 + "
                         + "\(String(format: "%.2f", 1 - c.weight)) × frontier (the demo's back-test weighted forecast)")
        }
        return lines
    }

    /// The forecasts made, each with a short name: approach 3, then the frontier and the
    /// back-test weighted one when there are (for the demo's table and its report).
    static func named(_ f: LadderForecast) -> [(name: String, loss: Double, interval: [Double]?)] {
        var out: [(name: String, loss: Double, interval: [Double]?)] = [("approach 3, L(N, D)", f.approach3, f.approach3Interval)]
        if let loss = f.frontier { out.append(("compute frontier, L*(C)", loss, f.frontierInterval)) }
        if let c = f.combination, let loss = f.combined {
            out.append(("back-test weighted: \(String(format: "%.2f", c.weight)) × approach 3 + \(String(format: "%.2f", 1 - c.weight)) × frontier",
                        loss, f.combinedInterval))
        }
        return out
    }

    /// The heading of step 4 and the table of forecasts: loss, noise interval (bootstrap, with its
    /// resampling) and form interval (approach 3's, widened by its rolling back-tests), each
    /// column labelled with its kind, and a line saying what each is or why there is no form interval.
    static func forecast(_ f: LadderForecast, optimalParameters: Double, level: Double,
                         resampling: BootstrapResampling?, rolling: RollingBacktestResult?) -> String {
        let heading = "4. Forecast at C = \(Output.sci(f.compute)) (4× the largest budget), before training it: approach 3's N_opt = "
            + "\(Output.sci(optimalParameters)); the shape rule's nearest model has N = \(Output.sci(f.parameters)), D = \(Output.sci(f.tokens))"
        let loss = { (x: Double) in String(format: "%.4f", x) }
        let range = { (i: [Double]?) in i.map { "\(loss($0[0]))–\(loss($0[1]))" } ?? "-" }
        let pct = "\(Int((level * 100).rounded()))%"
        let rows = named(f).enumerated().map { k, x in [x.name, loss(x.loss), range(x.interval), k == 0 ? range(f.approach3FormInterval) : "-"] }
        let table = Output.table(["forecast", "loss", "\(pct) noise interval", "\(pct) form interval"], rows).split(separator: "\n")
        var legend = "noise = bootstrap" + (resampling.map { " (\($0.label))" } ?? "")
        if f.approach3FormInterval != nil, let rolling {
            legend += "; form = approach 3's noise interval widened by its rolling back-tests (\(rolling.steps.count) step"
                + "\(rolling.steps.count == 1 ? "" : "s") over \(rolling.budgets.count) budgets)"
        } else if let note = f.approach3FormNote {
            legend += "; \(note)"
        }
        return ([heading] + table.map { "   " + $0 } + ["   " + legend]).joined(separator: "\n")
    }

    /// The line after the held-out run trained: its loss and each forecast's error.
    static func errors(_ e: LadderForecast.Errors) -> String {
        func side(_ inside: Bool, _ kind: String) -> String { (inside ? "inside" : "outside") + " its \(kind) interval" }
        func scored(_ name: String, _ error: Double?, _ inside: Bool?, form: Bool? = nil) -> String? {
            let sides = [inside.map { side($0, "noise") }, form.map { side($0, "form") }].compactMap { $0 }
            return error.map { "\(name) \(Output.percent($0))" + (sides.isEmpty ? "" : " (\(sides.joined(separator: ", ")))") }
        }
        return "   trained: validation loss \(String(format: "%.4f", e.measured)). Forecast errors: "
            + [scored("approach 3", e.approach3, e.approach3Inside, form: e.approach3InsideForm),
               scored("frontier", e.frontier, e.frontierInside),
               scored("back-test weighted", e.combined, e.combinedInside)].compactMap { $0 }.joined(separator: ", ")
            + (e.bracketed == true ? "; the two laws bracket the measured loss" : "")
    }
}
