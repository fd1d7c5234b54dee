import Analysis
import Foundation
import ScalingLaws
import Report

extension EmergenceStudy {
    /// One section, `study-emergence`: the design, the forecast against the measurement, the plot and tables.
    public func sections(_ s: Summary) -> [ReportSection] {
        let ladder = s.runs.filter { $0.role == "ladder" }, held = s.runs.filter { $0.role == "held-out" }
        var paragraphs = [
            "A ladder of \(ladder.count) compute-optimal models (one per budget from \(Self.sci(s.design.budgets.first ?? .nan)) to "
                + "\(Self.sci(s.design.budgets.last ?? .nan)) FLOPs) trained with \(Self.percent(s.design.share)) of their training bytes "
                + "\(s.design.task) problems, each run scored on \(s.design.evaluationExamples) held-out problems along its learning curve. "
                + "Then a held-out model at \(Self.sci(s.design.heldOutBudget)) FLOPs was forecast from the ladder alone, the forecast "
                + "stored, and the model trained.",
        ]
        if let at = s.forecastRecordedAt, let done = s.heldOutFinishedAt {
            paragraphs.append("The forecast was stored at \(at); the held-out model finished training at \(done).")
        }
        if let p = s.scores.first(where: { $0.quantity == "p" && $0.method == "two-step" }) {
            paragraphs.append("Per-character probability p of the held-out model: two-step forecast \(Self.num(p.forecast))"
                + (p.interval.map { " [\(Self.num($0[0])), \(Self.num($0[1]))]" } ?? "")
                + (p.measured.map { ", measured \(Self.num($0))" } ?? "")
                + (p.relativeError.map { ", \(Self.signedPercent($0)) off" } ?? "")
                + (s.twoStepPWithinTenPercent.map { $0 ? " (within the 10% target)." : " (outside the 10% target)." } ?? "."))
        }
        if let em = s.scores.first(where: { $0.quantity == "exact_match" && $0.method == "p^l-two-step" }) {
            paragraphs.append("Exact match predicted as p^\(s.length) from that forecast: \(Self.num(em.forecast))"
                + (em.measured.map { ", measured \(Self.num($0))" } ?? "") + ". Greedy decoding can beat p^ℓ (it needs the right "
                + "character to be the most likely, not certain), so p^ℓ is a lower bound more than a point forecast.")
        }
        paragraphs += twoModeParagraphs(s)
        paragraphs += s.notes
        var tables = [runsTable(s), scoresTable(s)]
        if let f = s.twoMode { tables.append(twoModeTable(f)) }
        if let runs = s.heldOutModes, !runs.isEmpty { tables.append(heldOutModesTable(runs)) }
        return [ReportSection(id: "study-emergence", title: "Study: emergence of \(s.design.task)", paragraphs: paragraphs,
                              plots: [metricsPlot(s, ladder: ladder, held: held)], tables: tables)]
    }

    /// The two-mode forecast and how the held-out runs scored against it, in sentences.
    func twoModeParagraphs(_ s: Summary) -> [String] {
        guard let f = s.twoMode else { return [] }
        var text = "Two-mode forecast: \(f.ladderLeft) of \(f.ladderRuns) ladder runs left the plateau (final exact match at least "
            + "\(Self.num(f.threshold))). Firth's logistic regression of leaving on ln C gives the held-out model a probability "
            + "\(Self.num(f.leftProbability))\(Self.bracket(f.leftProbabilityInterval)) of leaving it."
        if let p = f.plateauP, let budget = f.plateauBudget {
            text += " If it stays, p \(Self.num(p))\(Self.bracket(f.plateauInterval)): the mean of the \(f.plateauRuns) run"
                + "\(f.plateauRuns == 1 ? "" : "s") that stayed at \(Self.sci(budget)) FLOPs, carried forward, not extrapolated."
        }
        if let p = f.leftP, let budget = f.leftBudget {
            text += " If it leaves, p \(Self.num(p))\(Self.bracket(f.leftInterval)): the mean of the \(f.leftRuns) run"
                + "\(f.leftRuns == 1 ? "" : "s") that left at \(Self.sci(budget)) FLOPs, carried forward, not extrapolated."
        }
        let set = f.predictionSet
        text += set.isEmpty ? " No prediction set of p."
            : " Prediction set of p (the modes with probability at least \(Self.num(f.minimumModeProbability))): "
                + set.map { "[\(Self.num($0[0])), \(Self.num($0[1]))]" }.joined(separator: " ∪ ") + "."
        var paragraphs = [text]
        if let runs = s.heldOutModes, !runs.isEmpty {
            let left = runs.filter(\.left).count, likelier = runs.filter(\.likelierMode).count
            let inSet = runs.compactMap(\.inPredictionSet)
            paragraphs.append("Held-out run\(runs.count == 1 ? "" : "s"): \(left) of \(runs.count) left the plateau; \(likelier) landed in "
                + "the more probable mode" + (inSet.isEmpty ? "" : "; the prediction set held \(inSet.filter { $0 }.count) of \(inSet.count)")
                + (s.leftProbabilityBrier.map { "; Brier score of the probability of leaving \(Self.num($0))" } ?? "") + ".")
        }
        return paragraphs
    }

    func metricsPlot(_ s: Summary, ladder: [RunRow], held: [RunRow]) -> ReportPlot {
        var series: [ReportPlot.Series] = [
            .init(label: "p, ladder", xs: ladder.map(\.compute), ys: ladder.map { $0.p ?? .nan }),
            .init(label: "exact match, ladder", xs: ladder.map(\.compute), ys: ladder.map { $0.exactMatch ?? .nan }),
            .init(label: "p, held-out", xs: held.map(\.compute), ys: held.map { $0.p ?? .nan }, style: .hollowPoints),
            .init(label: "exact match, held-out", xs: held.map(\.compute), ys: held.map { $0.exactMatch ?? .nan }, style: .hollowPoints),
        ]
        for (quantity, method, label) in [("p", "two-step", "p forecast (two-step)"), ("exact_match", "p^l-two-step", "p^ℓ forecast")] {
            if let f = s.scores.first(where: { $0.quantity == quantity && $0.method == method }), let C = held.first?.compute {
                series.append(.init(label: label, xs: [C], ys: [f.forecast], style: .hollowPoints, errorBars: f.interval.map { [$0] }))
            }
        }
        if let f = s.twoMode, let C = held.first?.compute {
            for (p, interval, label) in [(f.plateauP, f.plateauInterval, "p forecast if it stays on the plateau"),
                                         (f.leftP, f.leftInterval, "p forecast if it leaves the plateau")] {
                if let p { series.append(.init(label: label, xs: [C], ys: [p], style: .hollowPoints, errorBars: interval.map { [$0] })) }
            }
        }
        if let law = s.emergence?.law, let lo = s.runs.first?.compute, let hi = s.runs.last?.compute, hi > lo {
            let grid = logSpaced(from: lo, to: hi, count: 41)
            let p = grid.map { Foundation.exp(-(law.E + law.A * Foundation.pow($0, -law.alpha))) }
            series.append(.init(label: "smooth law p (all runs)", xs: grid, ys: p, style: .dashedLine))
            series.append(.init(label: "p^ℓ of the smooth law", xs: grid, ys: p.map { Foundation.pow($0, Double(s.length)) }, style: .dashedLine))
        }
        return ReportPlot(title: "\(s.design.task): per-character probability and exact match against compute",
                          caption: "Final scores of each run on held-out problems; the hollow markers at the largest compute are the "
                              + "held-out model, measured and forecast (with the \(Self.percent(s.design.level)) interval).",
                          xLabel: "training compute C (FLOPs)", yLabel: "score", series: series)
    }

    func runsTable(_ s: Summary) -> ReportTable {
        // The seed column only when the runs have several seeds (one-seed tables stay as they were).
        let seeded = Set(s.runs.map(\.seed)).count > 1
        let table = ReportTable(caption: "The study's runs (final validation loss in nats per byte; scores at the last evaluation)",
                                header: ["run", "role", "N", "D", "C (FLOPs)", "loss", "p", "exact match", "answer probability"],
                                rows: s.runs.map { r in
                                    ["\(r.run)", r.role, Self.sci(r.parameters), Self.sci(r.tokens), Self.sci(r.compute), Self.num(r.loss),
                                     r.p.map(Self.num) ?? "–", r.exactMatch.map(Self.num) ?? "–", r.answerProbability.map(Self.num) ?? "–"]
                                }, numericColumns: [2, 3, 4, 5, 6, 7, 8])
        guard seeded else { return table }
        return ReportTable(caption: table.caption, header: ["run", "role", "seed"] + table.header.dropFirst(2),
                           rows: zip(s.runs, table.rows).map { r, row in
                               Array(row.prefix(2)) + [r.seed.map(String.init) ?? "–"] + row.dropFirst(2)
                           }, numericColumns: [2, 3, 4, 5, 6, 7, 8, 9])
    }

    /// The two-mode forecast: the probability of leaving the plateau, p in each mode, the expectation and the prediction set.
    func twoModeTable(_ f: TwoModeForecast) -> ReportTable {
        var rows: [[String]] = [
            ["probability of leaving the plateau", Self.num(f.leftProbability), f.leftProbabilityInterval.map(Self.range) ?? "–",
             "Firth logistic regression on ln C, \(f.ladderLeft) of \(f.ladderRuns) ladder runs left"],
            ["p if it stays on the plateau", f.plateauP.map(Self.num) ?? "–", f.plateauInterval.map(Self.range) ?? "–",
             f.plateauBudget.map { "mean of the \(f.plateauRuns) runs that stayed at \(Self.sci($0)) FLOPs, carried forward, not extrapolated" }
                ?? "no ladder run stayed"],
            ["p if it leaves the plateau", f.leftP.map(Self.num) ?? "–", f.leftInterval.map(Self.range) ?? "–",
             f.leftBudget.map { "mean of the \(f.leftRuns) runs that left at \(Self.sci($0)) FLOPs, carried forward, not extrapolated" }
                ?? "no ladder run left"],
            ["p, expected over the two modes", f.expectedP.map(Self.num) ?? "–", "–",
             f.expectedP == nil ? "needs a forecast in both modes" : "π̂·p_left + (1 − π̂)·p_plateau (p two-mode above)"],
        ]
        let set = f.predictionSet
        rows.append(["p, prediction set", "–", set.isEmpty ? "–" : set.map(Self.range).joined(separator: " ∪ "),
                     "modes with probability at least \(Self.num(f.minimumModeProbability))"])
        return ReportTable(caption: "The two-mode forecast of the held-out model, stored before it trained (intervals at "
                               + "\(Self.percent(f.level)))",
                           header: ["quantity", "forecast", "interval", "from"], rows: rows, numericColumns: [1])
    }

    /// Each held-out run against the two-mode forecast.
    func heldOutModesTable(_ runs: [HeldOutModeScore]) -> ReportTable {
        ReportTable(caption: "The held-out runs against the two-mode forecast (p forecast for the mode each landed in)",
                    header: ["run", "seed", "mode", "p", "exact match", "in prediction set", "p forecast", "relative error",
                             "in its interval", "likelier mode"],
                    rows: runs.map { r in
                        ["\(r.run)", r.seed.map(String.init) ?? "–", r.left ? "left" : "plateau", r.p.map(Self.num) ?? "–", Self.num(r.exactMatch),
                         r.inPredictionSet.map { $0 ? "yes" : "no" } ?? "–", r.conditionalForecast.map(Self.num) ?? "–",
                         r.conditionalRelativeError.map(Self.signedPercent) ?? "–", r.conditionalCovered.map { $0 ? "yes" : "no" } ?? "–",
                         r.likelierMode ? "yes" : "no"]
                    }, numericColumns: [3, 4, 6, 7])
    }

    func scoresTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "Forecasts of the held-out model, stored before it trained, and what it measured",
                    header: ["quantity", "method", "forecast", "interval", "measured", "error", "relative error", "in interval"],
                    rows: s.scores.map { f in
                        [f.quantity, f.method, Self.num(f.forecast), f.interval.map { "[\(Self.num($0[0])), \(Self.num($0[1]))]" } ?? "–",
                         f.measured.map(Self.num) ?? "–", f.error.map(Self.num) ?? "–", f.relativeError.map(Self.signedPercent) ?? "–",
                         f.covered.map { $0 ? "yes" : "no" } ?? "–"]
                    }, numericColumns: [2, 4, 5, 6])
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func range(_ i: [Double]) -> String { "[\(num(i[0])), \(num(i[1]))]" }
    static func bracket(_ i: [Double]?) -> String { i.map { " " + range($0) } ?? "" }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", 100 * v) }
    static func signedPercent(_ v: Double) -> String { String(format: "%+.1f%%", 100 * v) }
}
