import Foundation
import LawFitting
import ScalingLaws

extension Figures {
    /// Loss against compute, log-log: runs coloured by N, the fitted compute-efficient frontier
    /// L(N_opt(C), D_opt(C)) with its bootstrap band, the back-test's held-out runs ringed, and
    /// the forecast at each budget.
    static func lossCompute(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        let runs = a.runsWithCompute
        guard !runs.isEmpty, let range = computeRange(a) else {
            throw FigureUnavailable(kind: .lossCompute, reason: "no run has C, or N and D to compute it")
        }
        let sizes = a.sizeScale
        var layers: [Layer] = []
        var legend: [LegendEntry] = []
        var summary = "Final loss of \(runs.count) runs against training compute."
        if let fit = a.main, fit.hasFrontier {
            let maxRun = runs.map(\.compute).max() ?? range.high
            let xs = logSpace(range.low, range.high, count: 81)
            if let band = fit.band("loss", at: xs) {
                let level = percentText(fit.report.bootstrap?.level ?? 0.9)
                layers.append(.band(BandLayer(xs: xs, low: band.low, high: band.high, color: Palette.blue, opacity: 0.18)))
                legend.append(LegendEntry("\(level)% bootstrap band", .band(color: Palette.blue, opacity: 0.18)))
            }
            let ys = xs.map { fit.atBudget($0)["loss"] ?? .nan }
            let inside = zip(xs, ys).filter { $0.0 <= maxRun * (1 + 1e-9) }
            let beyond = zip(xs, ys).filter { $0.0 >= maxRun * (1 - 1e-9) || $0.0 == xs.last }
            layers.append(.line(LineLayer(xs: inside.map(\.0), ys: inside.map(\.1), color: Palette.blue, width: 2.2)))
            legend.append(LegendEntry("frontier, \(fit.name)", .line(color: Palette.blue, width: 2.2, dash: nil)))
            if range.high > maxRun * 1.0001, beyond.count >= 2 {
                layers.append(.line(LineLayer(xs: beyond.map(\.0), ys: beyond.map(\.1), color: Palette.blue, width: 2.2, dash: "7 5")))
                legend.append(LegendEntry("extrapolated", .line(color: Palette.blue, width: 2.2, dash: "7 5")))
            }
            summary += " The line is the compute-optimal frontier of the \(fit.report.law) fit"
                + (fit.report.bootstrap != nil ? ", shaded with its bootstrap band." : ".")
        }
        if let f = a.isoflop?.frontier {
            // Approach 2's frontier (no irreducible term) beside approach 3's: where E is poorly
            // determined the two bracket the truth from either side.
            let xs = logSpace(range.low, range.high, count: 41)
            layers.append(.line(LineLayer(xs: xs, ys: xs.map { f.loss(compute: $0) }, color: Palette.green, width: 1.6, dash: "2 4")))
            legend.append(LegendEntry("IsoFLOP power law", .line(color: Palette.green, width: 1.6, dash: "2 4")))
            summary += " The dotted line is the power law through the IsoFLOP minima, L = (C_c/C)^α_C with α_C = \(num(f.exponent))"
                + " and no irreducible term (Kaplan's L(C_min) form)."
        }
        let shown = a.isSampled ? a.drawnRuns.compactMap { r in r.effectiveCompute.map { (run: r, compute: $0) } } : runs
        layers.append(.points(PointLayer(
            xs: shown.map(\.compute), ys: shown.map(\.run.loss), colors: sizes.map { s in shown.map { s.color($0.run.parameters ?? .nan) } },
            color: Palette.black, radius: 3.4, tooltips: shown.map { a.tooltip($0.run) })))
        legend.insert(LegendEntry("runs" + (sizes == nil ? "" : " (colour: N)"), .marker(shape: .circle, color: Palette.grey, hollow: false)), at: 0)
        let held = a.heldOut.sorted().filter(a.isDrawn)
        if !held.isEmpty {
            let hr = held.map { a.input.runs[$0] }
            layers.append(.points(PointLayer(xs: hr.map { $0.effectiveCompute ?? .nan }, ys: hr.map(\.loss),
                                             color: Palette.vermillion, radius: 6.5, hollow: true)))
            legend.append(LegendEntry("held out in back-test", .marker(shape: .circle, color: Palette.vermillion, hollow: true)))
        }
        if let fit = a.main, fit.hasFrontier, !a.input.budgets.isEmpty {
            let bs = a.input.budgets
            let bars = fit.band("loss", at: bs).map { b in bs.indices.map { [b.low[$0], b.high[$0]] } }
            layers.append(.points(PointLayer(xs: bs, ys: bs.map { fit.atBudget($0)["loss"] ?? .nan }, color: Palette.vermillion,
                                             shape: .star, radius: 5,
                                             tooltips: bs.map { "forecast at C = \(num($0)): loss \(num(fit.atBudget($0)["loss"] ?? .nan))" },
                                             errorBars: bars)))
            legend.append(LegendEntry("forecast at budget", .marker(shape: .star, color: Palette.vermillion, hollow: false)))
            summary += " Stars mark the forecast loss at " + bs.map(num).joined(separator: ", ") + " FLOPs: "
                + bs.map { num(fit.atBudget($0)["loss"] ?? .nan) }.joined(separator: ", ") + "."
        }
        layers += budgetRules(a)
        summary += PointSample.note(drawn: shown.count, of: runs.count)
        return Chart(id: "loss-compute", title: "Loss against compute", summary: summary,
                     x: Axis("training compute C (FLOPs)", scale: .log), y: Axis("loss (nats/token)", scale: .log),
                     layers: layers, legend: legend, colorScale: sizes)
    }

    /// IsoFLOP curves (approach 2): loss against N at each budget, the parabola in log N
    /// fitted to each, and its minimum.
    static func isoflop(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        guard let iso = a.isoflop else {
            throw FigureUnavailable(kind: .isoflop, reason: "no compute budget has runs of 4 or more sizes (runs must share C within 1%)")
        }
        let budgets = iso.parabolas.map(\.compute)
        let colors = ColorScale(label: "C (FLOPs)", values: budgets) ?? ColorScale(label: "C (FLOPs)", domain: 1...10)
        var layers: [Layer] = []
        let total = iso.parabolas.map(\.parameters.count).reduce(0, +)
        var drawnPoints = 0
        for c in iso.parabolas {
            let color = colors.color(c.compute)
            // Beyond the limit each budget draws its share of it, keeping its smallest and largest N.
            let share = total > PointSample.limit ? max(2, PointSample.limit * c.parameters.count / total) : c.parameters.count
            let keep = PointSample.indices(count: c.parameters.count, limit: share, keeping: [c.parameters])
            let (ns, ls) = (keep.map { c.parameters[$0] }, keep.map { c.losses[$0] })
            drawnPoints += keep.count
            let xs = logSpace(c.parameters.min() ?? 1, c.parameters.max() ?? 1, count: 41)
            layers.append(.line(LineLayer(xs: xs, ys: xs.map(c.loss(at:)), color: color, width: 1.6)))
            layers.append(.points(PointLayer(xs: ns, ys: ls, color: color, radius: 2.8,
                                             tooltips: zip(ns, ls).map { "C = \(num(c.compute)), N = \(num($0)), loss = \(SVGText.general($1, significant: 5))" })))
        }
        let minima = iso.parabolas.compactMap { c -> (compute: Double, N: Double, loss: Double)? in
            guard c.bracketed, let N = c.optimalParameters, let loss = c.minimumLoss else { return nil }
            return (c.compute, N, loss)
        }
        layers.append(.points(PointLayer(xs: minima.map { $0.N }, ys: minima.map { $0.loss },
                                         colors: minima.map { colors.color($0.compute) }, shape: .star, radius: 5.5,
                                         tooltips: minima.map { "C = \(num($0.compute)): N_opt = \(num($0.N)), loss = \(num($0.loss))" })))
        let legend = [
            LegendEntry("runs", .marker(shape: .circle, color: Palette.grey, hollow: false)),
            LegendEntry("parabola in log N", .line(color: Palette.grey, width: 1.6, dash: nil)),
            LegendEntry("minimum: N_opt(C)", .marker(shape: .star, color: Palette.grey, hollow: false)),
        ]
        var summary = "Loss against model size for \(iso.parabolas.count) compute budgets, each with a parabola fitted in log N; "
            + "stars mark the minima (Chinchilla approach 2)."
        if let e = iso.exponent { summary += " Across budgets N_opt grows as C^\(SVGText.fixed(e, decimals: 3))." }
        summary += PointSample.note(drawn: drawnPoints, of: total)
        return Chart(id: "isoflop", title: "IsoFLOP curves", summary: summary,
                     x: Axis("parameters N", scale: .log), y: Axis("loss (nats/token)", scale: .linear),
                     layers: layers, legend: legend, colorScale: colors)
    }
}
