import Foundation
import ScalingLaws

extension Figures {
    /// Residuals `log L̂ − log L` of the main fit against its fitted values, coloured by N.
    static func residuals(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        guard let fit = a.main else { throw FigureUnavailable(kind: .residuals, reason: "the input has no fit") }
        let runs = a.input.runs.filter { r in fit.formula.variables.allSatisfy { r.input[$0].isFinite } }
        guard !runs.isEmpty else {
            throw FigureUnavailable(kind: .residuals, reason: "no run has every variable \(fit.report.law) reads")
        }
        let fitted = runs.map { fit.predict($0.input) }
        let residuals = zip(fitted, runs).map { log($0) - log($1.loss) }
        let sizes = runs.allSatisfy({ $0.parameters != nil }) ? ColorScale(label: "N (parameters)", values: runs.compactMap(\.parameters)) : nil
        let rms = (residuals.map { $0 * $0 }.reduce(0, +) / Double(residuals.count)).squareRoot()
        let shown = PointSample.indices(count: runs.count, keeping: [fitted, residuals])
        let layers: [Layer] = [
            .horizontalRule(y: 0, color: Palette.grey),
            .points(PointLayer(xs: shown.map { fitted[$0] }, ys: shown.map { residuals[$0] },
                               colors: sizes.map { s in shown.map { s.color(runs[$0].parameters ?? .nan) } },
                               radius: 3.4, tooltips: shown.map { a.tooltip(runs[$0]) + ", residual = " + num(residuals[$0]) })),
        ]
        let summary = "Residuals of the \(fit.report.law) fit, log of predicted minus log of measured loss, against the predicted "
            + "loss for \(runs.count) runs; RMS \(SVGText.general(rms, significant: 3)). A pattern instead of noise around zero "
            + "means the law's form misses something." + PointSample.note(drawn: shown.count, of: runs.count)
        return Chart(id: "residuals", title: "Residuals against fitted values", summary: summary,
                     x: Axis("fitted loss L̂ (nats/token)", scale: .linear), y: Axis("log L̂ − log L", scale: .linear),
                     layers: layers, legend: [LegendEntry("runs" + (sizes == nil ? "" : " (colour: N)"), .marker(shape: .circle, color: Palette.grey, hollow: false))],
                     colorScale: sizes)
    }

    /// The back-test: the law fitted without the largest runs, its predictions against the
    /// measured loss, for the runs it saw and the held-out ones.
    static func backtest(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        guard let fit = a.main, let holdout = fit.report.holdout else {
            throw FigureUnavailable(kind: .backtest, reason: "the main fit has no back-test (fit with a holdout)")
        }
        let held = a.heldOut
        var train: [(Double, Double, String)] = [], test: [(Double, Double, String)] = []
        var usable = 0
        for (i, r) in a.input.runs.enumerated() {
            guard fit.formula.variables.allSatisfy({ r.input[$0].isFinite }), let p = fit.backtestPredict(r.input) else { continue }
            usable += 1
            guard a.isDrawn(i) else { continue }
            let tip = a.tooltip(r) + ", predicted = " + SVGText.general(p, significant: 5)
            if held.contains(i) { test.append((r.loss, p, tip)) } else { train.append((r.loss, p, tip)) }
        }
        let all = (train + test).flatMap { [$0.0, $0.1] }
        let domain = AxisMap.fittedDomain(all, scale: .linear, padding: 0.06)
        let layers: [Layer] = [
            .line(LineLayer(xs: [domain.lowerBound, domain.upperBound], ys: [domain.lowerBound, domain.upperBound],
                            color: Palette.grey, width: 1.2, dash: "4 3", label: "predicted = measured")),
            .points(PointLayer(xs: train.map(\.0), ys: train.map(\.1), color: Palette.blue, radius: 3.2,
                               tooltips: train.map(\.2), label: "fitted runs")),
            .points(PointLayer(xs: test.map(\.0), ys: test.map(\.1), color: Palette.vermillion, shape: .diamond, radius: 5,
                               tooltips: test.map(\.2), label: "held out (the \(holdout.k) largest)")),
        ]
        let summary = "The \(fit.report.law) law fitted without the \(holdout.k) largest-compute runs: its predicted loss against the "
            + "measured loss. On the held-out runs the log RMSE is \(num(holdout.rmseLog)) and the mean absolute relative error "
            + "\(SVGText.fixed(holdout.meanAbsoluteRelativeError * 100, decimals: 2))%."
            + PointSample.note(drawn: train.count + test.count, of: usable)
        return Chart(id: "backtest", title: "Back-test: predicted against measured", summary: summary,
                     x: Axis("measured loss (nats/token)", scale: .linear, domain: domain),
                     y: Axis("predicted loss (nats/token)", scale: .linear, domain: domain), layers: layers)
    }

    /// Learning curves: loss against the compute spent so far (6·N·D), one line per run
    /// coloured by N, with the envelope of approach 1.
    static func learningCurves(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        let all = a.input.runs.filter { ($0.learningCurve?.count ?? 0) >= 2 }
        let runs = PointSample.indices(count: all.count, keeping: [all.map { $0.parameters ?? .nan }]).map { all[$0] }
        guard !runs.isEmpty else {
            throw FigureUnavailable(kind: .learningCurves, reason: "no run has a learning curve (they come from the run store)")
        }
        let byCompute = all.allSatisfy { $0.parameters != nil }
        let sizes = byCompute ? ColorScale(label: "N (parameters)", values: all.compactMap(\.parameters)) : nil
        var layers: [Layer] = []
        for r in runs {
            let curve = r.learningCurve ?? []
            let N = r.parameters ?? .nan
            let xs = curve.map { byCompute ? 6 * N * $0.tokens : $0.tokens }
            layers.append(.line(LineLayer(xs: xs, ys: curve.map(\.loss), color: sizes.map { $0.color(N) } ?? Palette.blue,
                                          width: 1.5)))
        }
        var legend = [LegendEntry("runs" + (sizes == nil ? "" : " (colour: N)"), .line(color: Palette.grey, width: 1.5, dash: nil))]
        if byCompute, let env = a.envelope {
            layers.append(.line(LineLayer(xs: env.compute, ys: env.loss, color: Palette.black, width: 2.2, dash: "6 4")))
            legend.append(LegendEntry("envelope (approach 1)", .line(color: Palette.black, width: 2.2, dash: "6 4")))
        }
        var summary = "Validation loss during training for \(all.count) runs against "
            + (byCompute ? "the compute spent so far, 6·N·D." : "the tokens seen.")
        if let e = a.envelope?.exponent, byCompute {
            summary += " The dashed envelope is the least loss at each compute; the runs on it give N_opt ∝ C^\(SVGText.fixed(e, decimals: 3))."
        }
        summary += PointSample.note(drawn: runs.count, of: all.count)
        return Chart(id: "learning-curves", title: "Learning curves", summary: summary,
                     x: Axis(byCompute ? "compute so far 6·N·D (FLOPs)" : "tokens seen D", scale: .log),
                     y: Axis("validation loss (nats/token)", scale: .log), layers: layers, legend: legend, colorScale: sizes)
    }
}
